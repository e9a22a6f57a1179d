import { createCollector, type CollectorOptions } from '../sys/collector.js';
import type { Snapshot } from '../sys/types.js';

/**
 * Library entry: one snapshot of every process with the best available backend.
 * When the native addon is missing, the fallback notice is added to the snapshot's warnings.
 */
export async function snapshot(options: CollectorOptions = {}): Promise<Snapshot> {
  const { collector, notice } = createCollector(options);
  const result = await collector.snapshot();
  return notice ? { ...result, warnings: [notice, ...result.warnings] } : result;
}
