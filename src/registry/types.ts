import type { RegistryData, TrackedEntry } from '../storage/registry-entry.js';
import type { EntrySummary } from '../storage/registry-lines.js';

// The entry as stored lives with the registry file (src/storage/registry-entry.ts): storage is below
// the registry and needs nothing from it.
export type { EntrySummary, RegistryData, TrackedEntry };

/** Why an entry is dead: its process exited, its PID now belongs to another process, or it was on another boot. */
export type DeathReason = 'exited' | 'reused' | 'other-boot';

/** An entry's liveness now. */
export type Liveness = { readonly alive: true } | { readonly alive: false; readonly reason: DeathReason };

/** An entry (or, for a listing of stored lines, its summary) with its liveness, as every listing shows it. */
export interface TrackedStatus<E extends EntrySummary = TrackedEntry> {
  readonly entry: E;
  readonly liveness: Liveness;
}
