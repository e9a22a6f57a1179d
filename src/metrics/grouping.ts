import type { RawProcess } from '../sys/types.js';

/** What a group is made of: the --group-by values. */
export const GROUP_BY_KEYS = ['comm', 'user', 'unit', 'tag', 'group', 'name'] as const;
export type GroupBy = (typeof GROUP_BY_KEYS)[number];

export function isGroupBy(text: string): text is GroupBy {
  return (GROUP_BY_KEYS as readonly string[]).includes(text);
}

/**
 * The group names of one process for a grouping that needs nothing beyond the snapshot
 * (comm: process-exporter's {{.Comm}}; user: its {{.Username}}). Groupings that need other
 * reads (unit, registry) are resolved by the exporter with their data.
 */
export function snapshotGroupNames(groupBy: 'comm' | 'user', p: RawProcess): readonly string[] {
  return [groupBy === 'comm' ? p.comm : p.user];
}
