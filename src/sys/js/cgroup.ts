// The cgroup v2 path of a process and what systemd and container runtimes encode in it.
import type { CgroupPlacement } from '../types.js';

/** The "0::PATH" line of /proc/PID/cgroup (the unified hierarchy), or null on a v1-only system. */
export function unifiedCgroupPath(text: string): string | null {
  for (const line of text.split('\n')) {
    if (line.startsWith('0::')) return line.slice(3);
  }
  return null;
}

const SYSTEMD_UNIT = /\.(service|scope|socket|mount|swap|target|timer|path|device|automount)$/;
const HEX_ID = /[0-9a-f]{32,64}/;

/** Runtime prefixes of the scope / directory names runtimes create, most specific first. */
const CONTAINER_SCOPES: readonly (readonly [RegExp, NonNullable<CgroupPlacement['containerRuntime']>])[] = [
  [/^docker-([0-9a-f]{64})\.scope$/, 'docker'],
  [/^cri-containerd-([0-9a-f]{64})\.scope$/, 'containerd'],
  [/^crio-(?:conmon-)?([0-9a-f]{64})\.scope$/, 'crio'],
  [/^libpod-(?:conmon-)?([0-9a-f]{64})\.scope$/, 'podman'],
];

/** Names of parent directories that mark the next segment as a container id (cgroupfs driver). */
const CONTAINER_PARENTS: Readonly<Record<string, NonNullable<CgroupPlacement['containerRuntime']>>> = {
  docker: 'docker',
  containerd: 'containerd',
  libpod_parent: 'podman',
  machine: 'podman',
};

/**
 * What a cgroup v2 path says: the deepest systemd unit and slice on it, and a container id when a
 * runtime put one there (docker-ID.scope, cri-containerd-ID.scope, crio-ID.scope, libpod-ID.scope,
 * /docker/ID, /kubepods/.../ID). Pure: the path is all it looks at.
 */
export function describeCgroupPath(path: string): CgroupPlacement {
  const segments = path.split('/').filter((segment) => segment !== '');
  let unit: string | null = null;
  let slice: string | null = null;
  let containerId: string | null = null;
  let containerRuntime: CgroupPlacement['containerRuntime'] = null;
  const underKubepods = segments.some((segment) => segment === 'kubepods' || segment.startsWith('kubepods'));
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index] as string;
    if (segment.endsWith('.slice')) slice = segment;
    else if (SYSTEMD_UNIT.test(segment)) unit = segment;
    for (const [pattern, runtime] of CONTAINER_SCOPES) {
      const match = pattern.exec(segment);
      if (match) {
        containerId = match[1] as string;
        containerRuntime = underKubepods ? 'kubepods' : runtime;
      }
    }
    const parent = index > 0 ? segments[index - 1] : undefined;
    if (parent !== undefined && /^[0-9a-f]{64}$/.test(segment)) {
      const runtime = CONTAINER_PARENTS[parent] ?? (underKubepods ? 'kubepods' : undefined);
      if (runtime) {
        containerId = segment;
        containerRuntime = underKubepods ? 'kubepods' : runtime;
      }
    }
  }
  if (containerId === null && underKubepods) {
    // cgroupfs kubepods layout: /kubepods/burstable/podUID/ID
    const last = segments[segments.length - 1] ?? '';
    const match = HEX_ID.exec(last);
    if (match && match[0].length === last.length) {
      containerId = last;
      containerRuntime = 'kubepods';
    }
  }
  return { path, unit, slice, containerId, containerRuntime };
}
