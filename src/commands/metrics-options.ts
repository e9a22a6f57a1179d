// Flags shared by `proctop metrics` and `proctop serve-metrics`.
import { GROUP_BY_KEYS, isGroupBy, type GroupBy } from '../metrics/grouping.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { UsageError } from '../output/usage-error.js';

export const GROUP_BY_HELP = `  --group-by KEY         what a group is (label groupname): ${GROUP_BY_KEYS.join(' | ')}
                         (default comm, like process-exporter's {{.Comm}})
  --tracked-labels       add tags and groups labels to proctop_tracked_up (cardinality!)
  --proportional         add memtype proportionalResident / proportionalSwapped (Pss, SwapPss:
                         reads /proc/PID/smaps_rollup of every process, which is costly)`;

/** --group-by's value. */
export function parseGroupBy(text: string | undefined): GroupBy {
  if (text === undefined) return 'comm';
  if (!isGroupBy(text)) throw new UsageError(`--group-by must be one of ${GROUP_BY_KEYS.join(', ')}, got "${text}"`);
  return text;
}

/** A duration flag within [minMs, maxMs]. */
export function parseBoundedDuration(flag: string, text: string, minMs: number, maxMs: number): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new UsageError(`${flag} must be a duration such as 500ms, 5s or 1m, got "${text}"`);
  }
  if (ms < minMs || ms > maxMs) throw new UsageError(`${flag} must be between ${formatDuration(minMs)} and ${formatDuration(maxMs)}, got "${text}"`);
  return ms;
}
