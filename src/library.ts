// The lineage's one-call TypeScript API, as its release notes write it:
//   const snapshot = await listFds(pid, { kind: 'file' });
//   const result = await killMany([pid1, pid2, pid3], 'SIGTERM'); // or 15
// Both run on the system's own collector (native addon, or the JS fallback) when no dependencies
// are given, and return the documents `proctop fds --json` and `proctop kill --json` print.
import { createSystemDeps, type ActionDeps } from './actions/deps.js';
import { killMany as killTargets, type KillTarget } from './actions/kill-many.js';
import { parseSignal } from './actions/signals.js';
import { killRecord, type KillRecordJson } from './commands/kill.js';
import { fdSnapshotJson, type FdSnapshotJson } from './fds/fd-snapshot-json.js';
import { createCollector } from './sys/collector.js';
import type { Collector, FdKind, FdListingError } from './sys/types.js';

/** Options of listFds. */
export interface ListFdsOptions {
  /** Only fds of this kind (file, socket, pipe, anon, unknown). */
  readonly kind?: FdKind;
  /** The collector to read through (default: the system's own). */
  readonly collector?: Collector;
}

/** Thrown by listFds when the process's fds cannot be listed at all (gone, or another user's). */
export class FdListingFailed extends Error {
  /** EACCES (run as the owner or root), ENOENT (no such process), OTHER. */
  readonly code: FdListingError['code'];
  constructor(pid: number, error: FdListingError) {
    super(`cannot list the fds of PID ${pid}: ${error.message}`);
    this.name = 'FdListingFailed';
    this.code = error.code;
  }
}

/** The fd-snapshot of one process ({schema_id, timestamp, platform, pid, fds[{fd, kind, path, ...}], warnings}). */
export async function listFds(pid: number, options: ListFdsOptions = {}): Promise<FdSnapshotJson> {
  const collector = options.collector ?? createCollector().collector;
  // Pipe peers cost a scan of every process: only when pipes are asked for.
  const listing = await collector.listFds(pid, { pipePeers: options.kind === undefined || options.kind === 'pipe' });
  if (listing.error) throw new FdListingFailed(pid, listing.error);
  const entries = options.kind === undefined ? listing.fds : listing.fds.filter((fd) => fd.kind === options.kind);
  return fdSnapshotJson(listing, entries);
}

/** Options of killMany. */
export interface KillManyCallOptions {
  /** Allow proctop's (here: this process's) ancestors. */
  readonly force?: boolean;
  /** The engine's dependencies (default: the system's collector and the audit log). */
  readonly deps?: ActionDeps;
}

/**
 * Sends one signal (a number, or a name: "SIGTERM", "TERM", "term") to several processes with
 * kill-many's batch semantics: every target validated first (one invalid or protected target and
 * nothing is sent), then each identity-checked; the batch-kill document says what happened.
 */
export async function killMany(
  targets: readonly (number | KillTarget)[],
  signal: number | string,
  options: KillManyCallOptions = {},
): Promise<KillRecordJson> {
  const number = typeof signal === 'number' ? (Number.isInteger(signal) ? parseSignal(String(signal)) : null) : parseSignal(signal);
  if (number === null) throw new RangeError(`unknown signal ${JSON.stringify(signal)}`);
  const deps = options.deps ?? (await createSystemDeps());
  const result = await killTargets(
    targets.map((t) => (typeof t === 'number' ? { pid: t } : t)),
    number,
    deps,
    { force: options.force ?? false },
  );
  return killRecord(result);
}
