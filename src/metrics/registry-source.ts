// The registry as a metrics source: its entries and their liveness, once per sample.
import { Registry } from '../registry/registry.js';
import type { Collector, Snapshot } from '../sys/types.js';
import type { TrackedSource, TrackedState } from './exporter.js';

/**
 * Reads the registry at every sample and judges each entry against that sample's processes (same
 * boot, pid and start time). Observing an entry alive updates its last-seen time, as every other
 * view of the registry does (at most once per last-seen interval). A registry that cannot be read
 * (corrupt file, lock held too long) gives no entries for that sample and one warning per distinct
 * problem; the process families are served as usual.
 */
export async function registryTrackedSource(collector: Collector, warn: (text: string) => void): Promise<TrackedSource> {
  const registry = await Registry.open({ collector });
  let lastWarning: string | null = null;
  const once = (text: string): void => {
    if (text !== lastWarning) warn(text);
    lastWarning = text;
  };
  return {
    states: async (snapshot: Snapshot): Promise<readonly TrackedState[]> => {
      try {
        const data = await registry.read();
        const statuses = await registry.statuses(data.entries, snapshot.processes);
        const observed = await registry.observe(statuses);
        if (observed.warning !== null) once(observed.warning);
        return observed.statuses.map((s) => ({ entry: s.entry, alive: s.liveness.alive }));
      } catch (err) {
        once(`tracked processes left out: ${err instanceof Error ? err.message : String(err)}`);
        return [];
      }
    },
  };
}
