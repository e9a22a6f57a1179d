import type { CgroupPlacement } from '../sys/types.js';

/** Digits of a container id shown in a column (docker's short id). */
const SHORT_ID = 12;

/**
 * A cgroup in a few characters for a column: the container (runtime:shortid) when there is one,
 * else the systemd unit, else the slice, else the path ("/" for the root cgroup).
 */
export function cgroupLabel(placement: CgroupPlacement): string {
  if (placement.containerId !== null) return `${placement.containerRuntime ?? 'container'}:${placement.containerId.slice(0, SHORT_ID)}`;
  return placement.unit ?? placement.slice ?? placement.path;
}

/** --unit: the systemd unit or slice name contains text (case-insensitive). */
export function unitMatches(placement: CgroupPlacement, text: string): boolean {
  const needle = text.toLowerCase();
  return [placement.unit, placement.slice].some((name) => name !== null && name.toLowerCase().includes(needle));
}

/** --cgroup: the cgroup path contains text (case-insensitive). */
export function cgroupPathMatches(placement: CgroupPlacement, text: string): boolean {
  return placement.path.toLowerCase().includes(text.toLowerCase());
}
