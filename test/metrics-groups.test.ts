import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupAccumulator } from '../src/metrics/group-accumulator.js';
import type { GroupMember, ProcessCounters } from '../src/metrics/group-figures.js';
import { sanitizeText } from '../src/output/sanitize.js';
import { negotiateFormat } from '../src/metrics/http-server.js';
import { isLoopback, parseListenAddress } from '../src/metrics/listen-address.js';
import { Exposition, ScrapeExposition, type RenderedSample } from '../src/metrics/exposition.js';
import { MetricsExporter, membersOf, unitGroupName, type TrackedSource } from '../src/metrics/exporter.js';
import { syntheticRow, syntheticSystem } from './helpers/synthetic-frames.js';
import { createJsCollector } from '../src/sys/collector.js';
import { createProcFixture, limitsText, type ProcFixture } from './helpers/proc-fixture.js';
import { trackedGroupNames } from '../src/metrics/tracked-groups.js';
import type { ProcessExtras, RawProcess, Snapshot } from '../src/sys/types.js';
import { parseExposition, promtoolCheck, sampleValue } from './helpers/prometheus-tools.js';

const T0 = 1_800_000_000_000;

function counters(cpuUser: number, extra: Partial<ProcessCounters> = {}): ProcessCounters {
  return {
    cpuUserSeconds: cpuUser,
    cpuSystemSeconds: 0,
    readBytes: null,
    writeBytes: null,
    majorPageFaults: null,
    minorPageFaults: null,
    voluntaryCtxSwitches: null,
    nonvoluntaryCtxSwitches: null,
    ...extra,
  };
}

function member(key: string, group: string | string[], cpuUser: number, startSeconds: number, extra: Partial<ProcessCounters> = {}, state = 'S'): GroupMember {
  return {
    key,
    groups: Array.isArray(group) ? group : [group],
    counters: counters(cpuUser, extra),
    gauges: {
      residentBytes: 1000,
      virtualBytes: 5000,
      swappedBytes: null,
      proportionalResidentBytes: null,
      proportionalSwappedBytes: null,
      openFds: 10,
      fdLimit: 1000,
      threads: 2,
      state,
      startTimeSeconds: startSeconds,
    },
  };
}

const byName = (figures: ReturnType<GroupAccumulator['update']>, name: string) => figures.find((g) => g.name === name);

describe('group accumulator (process-exporter counter rules)', () => {
  it('first-sample baseline: processes alive at the first sample count from then, newcomers in full', () => {
    const acc = new GroupAccumulator({ baseline: 'first-sample' });
    let groups = acc.update([member('1:10', 'web', 50, T0 / 1000 - 100)], T0);
    expect(byName(groups, 'web')?.counters.cpuUserSeconds).toBe(0);
    groups = acc.update([member('1:10', 'web', 52, T0 / 1000 - 100), member('2:20', 'web', 3, T0 / 1000 + 1)], T0 + 5000);
    // 2 s from the old process plus all 3 s of the newcomer.
    expect(byName(groups, 'web')?.counters.cpuUserSeconds).toBe(5);
    expect(byName(groups, 'web')?.procs).toBe(2);
  });

  it('a newcomer dated up to a second before the first sample (btime is whole seconds) still counts in full', () => {
    const acc = new GroupAccumulator({ baseline: 'first-sample' });
    acc.update([member('1:10', 'web', 50, T0 / 1000 - 100)], T0);
    const groups = acc.update([member('1:10', 'web', 50, T0 / 1000 - 100), member('3:30', 'web', 4, T0 / 1000 - 0.6)], T0 + 2000);
    expect(byName(groups, 'web')?.counters.cpuUserSeconds).toBe(4);
  });

  it('process-start baseline counts every process in full (one-shot output)', () => {
    const acc = new GroupAccumulator({ baseline: 'process-start' });
    const groups = acc.update([member('1:10', 'web', 50, 1), member('2:10', 'web', 7, 2)], T0);
    expect(byName(groups, 'web')?.counters.cpuUserSeconds).toBe(57);
  });

  it('keeps what an exited process used: the counter never goes down, the group stays with 0 procs', () => {
    const acc = new GroupAccumulator({ baseline: 'process-start' });
    acc.update([member('1:10', 'job', 10, 1), member('2:10', 'job', 5, 1)], T0);
    let groups = acc.update([member('1:10', 'job', 12, 1)], T0 + 1000);
    expect(byName(groups, 'job')?.counters.cpuUserSeconds).toBe(17);
    groups = acc.update([], T0 + 2000);
    expect(byName(groups, 'job')).toMatchObject({ procs: 0, oldestStartTimeSeconds: null, residentBytes: 0 });
    expect(byName(groups, 'job')?.counters.cpuUserSeconds).toBe(17);
  });

  it('a reused PID is a new process (its ticks are not a delta of the old one)', () => {
    const acc = new GroupAccumulator({ baseline: 'process-start' });
    acc.update([member('7:100', 'x', 40, 1)], T0);
    const groups = acc.update([member('7:200', 'x', 1, 2)], T0 + 1000);
    expect(byName(groups, 'x')?.counters.cpuUserSeconds).toBe(41);
  });

  it('a reading that fails once loses nothing; a counter that steps back never lowers the total', () => {
    const acc = new GroupAccumulator({ baseline: 'process-start' });
    acc.update([member('1:1', 'io', 0, 1, { readBytes: 1000 })], T0);
    let groups = acc.update([member('1:1', 'io', 0, 1, { readBytes: null })], T0 + 1000);
    expect(byName(groups, 'io')?.counters.readBytes).toBe(1000);
    groups = acc.update([member('1:1', 'io', 0, 1, { readBytes: 1500 })], T0 + 2000);
    // Unreadable in between: the increase across the gap is counted when it reads again.
    expect(byName(groups, 'io')?.counters.readBytes).toBe(1500);
    groups = acc.update([member('1:1', 'io', 0, 1, { readBytes: 1200 })], T0 + 3000);
    expect(byName(groups, 'io')?.counters.readBytes).toBe(1500);
    groups = acc.update([member('1:1', 'io', 0, 1, { readBytes: 1300 })], T0 + 4000);
    expect(byName(groups, 'io')?.counters.readBytes).toBe(1600);
  });

  it('a newcomer that counts in full but whose first reading failed still counts in full once it reads', () => {
    const acc = new GroupAccumulator({ baseline: 'first-sample' });
    acc.update([], T0);
    acc.update([member('5:50', 'new', 0, T0 / 1000 + 5, { minorPageFaults: null })], T0 + 10_000);
    const groups = acc.update([member('5:50', 'new', 0, T0 / 1000 + 5, { minorPageFaults: 190 })], T0 + 11_000);
    expect(byName(groups, 'new')?.counters.minorPageFaults).toBe(190);
  });

  it('a process alive at the first sample with an unreadable counter counts from its first reading', () => {
    const acc = new GroupAccumulator({ baseline: 'first-sample' });
    acc.update([member('5:50', 'old', 0, 1, { readBytes: null })], T0);
    acc.update([member('5:50', 'old', 0, 1, { readBytes: 7000 })], T0 + 1000);
    const groups = acc.update([member('5:50', 'old', 0, 1, { readBytes: 7100 })], T0 + 2000);
    expect(byName(groups, 'old')?.counters.readBytes).toBe(100);
  });

  it('sums gauges, counts states in process-exporter buckets, keeps the worst fd ratio and the oldest start', () => {
    const acc = new GroupAccumulator({ baseline: 'process-start' });
    const a = member('1:1', 'g', 0, 1000.7, {}, 'R');
    const b = { ...member('2:1', 'g', 0, 900.2, {}, 'D'), gauges: { ...member('2:1', 'g', 0, 900.2).gauges, state: 'D', openFds: 900 } };
    const c = member('3:1', 'g', 0, 1100, {}, 'I');
    const g = byName(acc.update([a, b, c], T0), 'g');
    expect(g).toMatchObject({ procs: 3, residentBytes: 3000, virtualBytes: 15000, threads: 6, openFds: 920, worstFdRatio: 0.9, oldestStartTimeSeconds: 900 });
    expect(g?.states).toEqual({ Running: 1, Sleeping: 0, Waiting: 1, Zombie: 0, Other: 1 });
  });

  it('a process in two groups (two tags) counts in both', () => {
    const acc = new GroupAccumulator({ baseline: 'process-start' });
    const groups = acc.update([member('1:1', ['a', 'b'], 3, 1)], T0);
    expect(groups.map((g) => [g.name, g.procs, g.counters.cpuUserSeconds])).toEqual([
      ['a', 1, 3],
      ['b', 1, 3],
    ]);
  });

  it('forgets a group that stayed empty longer than the retention', () => {
    const acc = new GroupAccumulator({ baseline: 'process-start', retainEmptyGroupsMs: 10_000 });
    acc.update([member('1:1', 'gone', 1, 1)], T0);
    expect(byName(acc.update([], T0 + 9_000), 'gone')).toBeDefined();
    expect(byName(acc.update([], T0 + 11_000), 'gone')).toBeUndefined();
  });
});

describe('listen address', () => {
  it('parses host:port, [v6]:port, :port and a bare port (loopback)', () => {
    expect(parseListenAddress('127.0.0.1:9256')).toEqual({ host: '127.0.0.1', port: 9256 });
    expect(parseListenAddress('[::1]:9256')).toEqual({ host: '::1', port: 9256 });
    expect(parseListenAddress(':9256')).toEqual({ host: '::', port: 9256 });
    expect(parseListenAddress('9256')).toEqual({ host: '127.0.0.1', port: 9256 });
    expect(parseListenAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });
  it('refuses anything else with a reason', () => {
    for (const bad of ['', 'host', '1.2.3.4:99999', '::1:80', 'a b:1']) expect(typeof parseListenAddress(bad)).toBe('string');
  });
  it('knows loopback from the network', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('::')).toBe(false);
  });
});

describe('format negotiation', () => {
  it("serves OpenMetrics only when asked, as Prometheus's scraper asks", () => {
    const prometheus = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    expect(negotiateFormat(prometheus)).toBe('openmetrics');
    expect(negotiateFormat(undefined)).toBe('text');
    expect(negotiateFormat('*/*')).toBe('text');
    expect(negotiateFormat('text/plain')).toBe('text');
    expect(negotiateFormat('application/openmetrics-text; version=0.0.1')).toBe('text');
    expect(negotiateFormat('application/json')).toBe('text');
  });
});

describe('exposition', () => {
  const all = { io: true, pageFaults: true, ctxSwitches: true, fds: true, fdLimits: true, swap: true, proportional: true };
  const hostile = ['plain', 'a"b', 'back\\slash', 'new\nline', '\x1b[31mred', '\udcff\udcfe bad', 'lone\ud800', '\u009b31m'];

  async function loaded(): Promise<RenderedSample> {
    const acc = new GroupAccumulator({ baseline: 'process-start' });
    const groups = acc.update(
      hostile.map((name, i) => member(`${i + 1}:1`, name, i, 1000, { readBytes: 10, writeBytes: 20, majorPageFaults: 1, minorPageFaults: 2, voluntaryCtxSwitches: 3, nonvoluntaryCtxSwitches: 4 })),
      T0,
    );
    const e = new Exposition({ available: all, trackedLabels: true });
    return e.load({ groups, tracked: [{ id: 3, name: 'we"b\n', alive: true, tags: ['b', 'a'], groups: [] }], sampleDurationSeconds: 0.25, samples: 1, sampleErrors: 0 });
  }
  const scrape = { previousScrapeSeconds: 0.001, sampleAgeSeconds: 0.5 };
  const exposition = async (format: 'text' | 'openmetrics') => new ScrapeExposition().text(await loaded(), format, scrape);

  it('stays valid with hostile group names and loses none of them (promtool check metrics)', async () => {
    const text = await exposition('text');
    const check = promtoolCheck(text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
    const samples = parseExposition(text);
    const names = samples.filter((s) => s.name === 'namedprocess_namegroup_num_procs').map((s) => s.labels.groupname);
    expect(names.sort()).toEqual(hostile.map(sanitizeText).sort());
    expect(new Set(names).size).toBe(hostile.length);
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(sampleValue(samples, 'namedprocess_namegroup_cpu_seconds_total', { groupname: 'back\\slash', mode: 'user' })).toBe(2);
    expect(sampleValue(samples, 'proctop_tracked_up', { id: '3', name: 'we"b\\x0a', tags: 'a,b', groups: '' })).toBe(1);
    expect(sampleValue(samples, 'proctop_sample_age_seconds', {})).toBe(0.5);
  });

  it('writes every process-exporter memtype and state, and OpenMetrics ends with # EOF once', async () => {
    const text = await exposition('text');
    const samples = parseExposition(text);
    const memtypes = new Set(samples.filter((s) => s.name === 'namedprocess_namegroup_memory_bytes').map((s) => s.labels.memtype));
    expect([...memtypes].sort()).toEqual(['proportionalResident', 'proportionalSwapped', 'resident', 'swapped', 'virtual']);
    const states = new Set(samples.filter((s) => s.name === 'namedprocess_namegroup_states').map((s) => s.labels.state));
    expect([...states].sort()).toEqual(['Other', 'Running', 'Sleeping', 'Waiting', 'Zombie']);
    const om = await exposition('openmetrics');
    expect(om.endsWith('# EOF\n')).toBe(true);
    expect(om.match(/# EOF/g)).toHaveLength(1);
    expect(om).toContain('# TYPE namedprocess_namegroup_cpu_seconds counter');
    expect(om).toContain('namedprocess_namegroup_cpu_seconds_total{groupname="plain",mode="user"} 0');
  });

  it('the text format stays right after an OpenMetrics scrape of the same sample (counter names keep _total)', async () => {
    const sample = await loaded();
    const answers = new ScrapeExposition();
    await answers.text(sample, 'openmetrics', scrape);
    const text = await answers.text(sample, 'text', scrape);
    expect(text).toContain('# TYPE namedprocess_namegroup_cpu_seconds_total counter');
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
  });
});

describe('members of a sample', () => {
  // A process that exec'd between the snapshot's read and its extras' read: the row still has the
  // old program's comm, the extras are the new program's.
  const row = syntheticRow({ pid: 70, comm: 'node', startTime: 5000 });
  const snapshot = { timestampMs: 0, monotonicMs: 0, readStartMonotonicMs: 0, processes: [row], system: syntheticSystem(), warnings: [] } as unknown as Snapshot;
  const extras = (comm: string | null): ProcessExtras => ({
    pid: 70,
    startTime: 5000,
    alive: true,
    comm,
    io: { readChars: 0, writeChars: 0, readSyscalls: 0, writeSyscalls: 0, readBytes: 4096, writeBytes: 0, cancelledWriteBytes: 0 },
    status: null,
    fdCount: 4,
    cgroup: null,
    faults: { minor: 119, major: 0 },
    fdLimit: 1024,
    smapsRollup: null,
    errors: [],
  });
  it("takes a process's extras when they were read of the program the row names", () => {
    const [member] = membersOf(snapshot, 'comm', [extras('node')]);
    expect(member?.counters).toMatchObject({ minorPageFaults: 119, readBytes: 4096 });
    expect(member?.gauges.openFds).toBe(4);
  });
  it('leaves them out for the sample when the process exec\'d between the two reads (another comm)', () => {
    const [member] = membersOf(snapshot, 'comm', [extras('pxd-1')]);
    expect(member?.groups).toEqual(['node']);
    expect(member?.counters).toMatchObject({ minorPageFaults: null, majorPageFaults: null, readBytes: null });
    expect(member?.gauges.openFds).toBeNull();
    // So the accumulator keeps no baseline of the new program's counters in the old program's
    // group: the next sample, under the new comm, counts them in full in the right group.
    const accumulator = new GroupAccumulator({ baseline: 'process-start' });
    const first = accumulator.update([member!], 1_000);
    expect(first.find((g) => g.name === 'node')?.counters.minorPageFaults).toBe(0);
    const renamed = membersOf({ ...snapshot, processes: [{ ...row, comm: 'pxd-1' }] } as Snapshot, 'comm', [extras('pxd-1')]);
    // Under unit grouping its cgroup (which an exec does not change) still names its group.
    const placed = { ...extras('pxd-1'), cgroup: { path: '/system.slice/web.service', unit: 'web.service', slice: 'system.slice', containerId: null, containerRuntime: null } };
    expect(membersOf(snapshot, 'unit', [placed])[0]).toMatchObject({ groups: ['web.service'], counters: { minorPageFaults: null } });
    const second = accumulator.update(renamed, 2_000);
    expect(second.find((g) => g.name === 'pxd-1')?.counters.minorPageFaults).toBe(119);
  });
});

describe('unit grouping', () => {
  const placement = (unit: string | null, slice: string | null, path: string, containerId: string | null = null) =>
    ({ path, unit, slice, containerId, containerRuntime: containerId ? ('docker' as const) : null });
  const extras = (cgroup: ReturnType<typeof placement> | null) =>
    ({ pid: 1, startTime: 1, alive: true, comm: null, io: null, status: null, fdCount: null, cgroup, faults: null, fdLimit: null, smapsRollup: null, errors: [] }) as const;
  it('names the container, else the systemd unit, else the slice, else the cgroup path, "-" when unreadable', () => {
    const id = 'ab'.repeat(32);
    expect(unitGroupName(extras(placement(`docker-${id}.scope`, 'system.slice', `/system.slice/docker-${id}.scope`, id)))).toBe('docker:abababababab');
    expect(unitGroupName(extras(placement('nginx.service', 'system.slice', '/system.slice/nginx.service')))).toBe('nginx.service');
    expect(unitGroupName(extras(placement(null, 'user-1000.slice', '/user.slice/user-1000.slice')))).toBe('user-1000.slice');
    expect(unitGroupName(extras(placement(null, null, '/')))).toBe('/');
    expect(unitGroupName(extras(null))).toBe('-');
    expect(unitGroupName(undefined)).toBe('-');
  });
});

describe('registry groupings (tag, group, name)', () => {
  const proc = (pid: number, ppid: number, startTime: number) => ({ pid, ppid, startTime, comm: `p${pid}` }) as unknown as RawProcess;
  // 10 (tracked "web", tags api+prod) → 11 → 12; 11 → 13 (tracked itself, unnamed, tag batch); 20 untracked;
  // 30's parent pid 10 started after it: a reused PID, not its parent.
  const processes = [proc(1, 0, 1), proc(10, 1, 100), proc(11, 10, 110), proc(12, 11, 120), proc(13, 11, 130), proc(20, 1, 200), proc(30, 10, 50)];
  const entries = [
    { id: 1, pid: 10, startTime: 100, name: 'web', tags: ['api', 'prod'], groups: ['frontend'] },
    { id: 2, pid: 13, startTime: 130, name: null, tags: ['batch'], groups: [] },
    // Same pid as 20 but another start time: another process, never matched.
    { id: 3, pid: 20, startTime: 999, name: 'ghost', tags: ['x'], groups: ['x'] },
  ];
  it('counts a tracked process and its untracked descendants in its groups; nested tracked ones in their own', () => {
    expect(trackedGroupNames(processes, entries, 'name')).toEqual([[], ['web'], ['web'], ['web'], ['#2'], [], []]);
    expect(trackedGroupNames(processes, entries, 'tag')).toEqual([[], ['api', 'prod'], ['api', 'prod'], ['api', 'prod'], ['batch'], [], []]);
    expect(trackedGroupNames(processes, entries, 'group')).toEqual([[], ['frontend'], ['frontend'], ['frontend'], [], [], []]);
  });
  it('stops at a parent-pid loop instead of spinning', () => {
    const loop = [proc(5, 6, 10), proc(6, 5, 10)];
    expect(trackedGroupNames(loop, entries, 'name')).toEqual([[], []]);
  });
});

describe('exporter on a fixture /proc with tracked entries', () => {
  let fixture: ProcFixture;
  beforeAll(async () => {
    fixture = await createProcFixture({
      processes: [
        { pid: 1, comm: 'init', argv: ['init'], startTime: 1, ppid: 0 },
        { pid: 10, comm: 'web', argv: ['web'], startTime: 100, ppid: 1, utime: 300, rssPages: 100, fdCount: 4, limitsText: limitsText('100', '200') },
        { pid: 11, comm: 'worker', argv: ['worker'], startTime: 110, ppid: 10, utime: 200, rssPages: 50, fdCount: 50, limitsText: limitsText('100', '200') },
        { pid: 20, comm: 'other', argv: ['other'], startTime: 200, ppid: 1 },
      ],
    });
  });
  afterAll(() => fixture?.cleanup());

  it('--group-by name: the tracked process and its worker in one group; tracked_up for alive and dead entries', async () => {
    const collector = createJsCollector(fixture.root);
    const tracked: TrackedSource = {
      states: async () => [
        { entry: { id: 1, pid: 10, startTime: 100, name: 'web', tags: ['api'], groups: [] }, alive: true },
        { entry: { id: 2, pid: 99, startTime: 5, name: null, tags: [], groups: [] }, alive: false },
      ],
    };
    const exporter = new MetricsExporter({ groupBy: 'name', baseline: 'process-start', proportional: false, trackedLabels: false }, collector, tracked);
    await exporter.ingest(await collector.snapshot(), performance.now());
    const text = await exporter.render('text');
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
    const samples = parseExposition(text);
    const groupnames = new Set(samples.filter((s) => s.labels.groupname !== undefined).map((s) => s.labels.groupname));
    expect([...groupnames]).toEqual(['web']);
    expect(sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: 'web' })).toBe(2);
    expect(sampleValue(samples, 'namedprocess_namegroup_cpu_seconds_total', { groupname: 'web', mode: 'user' })).toBe(5);
    expect(sampleValue(samples, 'namedprocess_namegroup_open_filedesc', { groupname: 'web' })).toBe(54);
    expect(sampleValue(samples, 'namedprocess_namegroup_worst_fd_ratio', { groupname: 'web' })).toBe(0.5);
    expect(sampleValue(samples, 'proctop_tracked_up', { id: '1', name: 'web' })).toBe(1);
    expect(sampleValue(samples, 'proctop_tracked_up', { id: '2', name: '#2' })).toBe(0);
    // No tags or groups labels unless asked (cardinality).
    expect(samples.find((s) => s.name === 'proctop_tracked_up')?.labels.tags).toBeUndefined();
  });

  it('refuses a registry grouping without a registry', () => {
    expect(() => new MetricsExporter({ groupBy: 'tag', baseline: 'process-start', proportional: false, trackedLabels: false }, null)).toThrow('needs the registry');
  });
});
