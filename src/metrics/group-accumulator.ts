import {
  STATE_NAMES,
  ZERO_COUNTERS,
  stateBucket,
  type GroupCounters,
  type GroupFigures,
  type GroupMember,
  type ProcessCounters,
  type StateName,
} from './group-figures.js';

/**
 * Where a process's counters start counting:
 * - 'process-start': everything since the process started (a one-shot exposition has no earlier sample);
 * - 'first-sample': process-exporter's rule — processes alive at the exporter's first sample count
 *   from then on, processes that start later count in full — so the two exporters' counters agree.
 */
export type CounterBaseline = 'process-start' | 'first-sample';

export interface GroupAccumulatorOptions {
  readonly baseline: CounterBaseline;
  /**
   * How long a group whose processes all exited keeps its series (its counters stay, so rate()
   * sees no reset). process-exporter keeps them forever; a pane that runs for weeks on a box
   * with many short-lived names must not grow without bound. Default 1 hour.
   */
  readonly retainEmptyGroupsMs?: number;
}

const COUNTER_FIELDS = [
  'cpuUserSeconds',
  'cpuSystemSeconds',
  'readBytes',
  'writeBytes',
  'majorPageFaults',
  'minorPageFaults',
  'voluntaryCtxSwitches',
  'nonvoluntaryCtxSwitches',
] as const satisfies readonly (keyof ProcessCounters & keyof GroupCounters)[];

type MutableCounters = { -readonly [K in keyof GroupCounters]: number };
type MutableStates = Record<StateName, number>;

interface GroupWork {
  procs: number;
  counters: MutableCounters;
  residentBytes: number;
  virtualBytes: number;
  swappedBytes: number;
  proportionalResidentBytes: number;
  proportionalSwappedBytes: number;
  openFds: number;
  worstFdRatio: number;
  threads: number;
  oldestStart: number;
  states: MutableStates;
}

const DEFAULT_RETAIN_MS = 3_600_000;
const BTIME_SLACK_SECONDS = 1;

/** Last known value of each counter of a process; null = no baseline yet. */
type KnownCounters = Record<(typeof COUNTER_FIELDS)[number], number | null>;

function newGroup(): GroupWork {
  const states = {} as MutableStates;
  for (const s of STATE_NAMES) states[s] = 0;
  return {
    procs: 0,
    counters: { ...ZERO_COUNTERS },
    residentBytes: 0,
    virtualBytes: 0,
    swappedBytes: 0,
    proportionalResidentBytes: 0,
    proportionalSwappedBytes: 0,
    openFds: 0,
    worstFdRatio: 0,
    threads: 0,
    oldestStart: Infinity,
    states,
  };
}

/**
 * Sums processes into groups sample after sample, keeping group counters monotonic: a process
 * that exits leaves what it used in its group's counters, a reused PID is a new process, and a
 * group stays (counters only) after its last process exits. The rules follow process-exporter's
 * grouper so its dashboards and alerts read proctop's numbers the same way.
 */
export class GroupAccumulator {
  private firstSampleSeconds: number | null = null;
  private previous = new Map<string, KnownCounters>();
  private readonly totals = new Map<string, MutableCounters>();
  private readonly lastPopulatedMs = new Map<string, number>();
  private readonly retainMs: number;

  constructor(private readonly options: GroupAccumulatorOptions) {
    this.retainMs = options.retainEmptyGroupsMs ?? DEFAULT_RETAIN_MS;
  }

  /** Takes one sample's members (wall clock `nowMs`) and returns every group's figures, sorted by name. */
  update(members: readonly GroupMember[], nowMs: number): GroupFigures[] {
    const first = this.firstSampleSeconds === null;
    if (first) this.firstSampleSeconds = nowMs / 1000;
    const firstSeconds = this.firstSampleSeconds ?? nowMs / 1000;
    const current = new Map<string, KnownCounters>();
    const groups = new Map<string, GroupWork>();
    const delta = { ...ZERO_COUNTERS } as MutableCounters;

    for (const member of members) {
      const counters = member.counters;
      const before = this.previous.get(member.key);
      // A newcomer counts in full unless it was already running when counting began. Start times
      // are dated from /proc/stat's btime, whole seconds, so up to a second early: a process seen
      // first after the first sample and dated within that second of it started after it.
      const countsInFull =
        before === undefined &&
        (this.options.baseline === 'process-start' || (!first && member.gauges.startTimeSeconds > firstSeconds - BTIME_SLACK_SECONDS));
      // The last value known of each counter (null: no baseline yet). A reading that is null this
      // time (a transient read failure) keeps the last known value, so the increase across the gap
      // is counted when a reading comes back; a counter that went backwards restarts from there.
      const known = {} as KnownCounters;
      for (const field of COUNTER_FIELDS) {
        const now = counters[field];
        const last = before !== undefined ? before[field] : countsInFull ? 0 : null;
        delta[field] = now !== null && last !== null && now > last ? now - last : 0;
        known[field] = now ?? last;
      }
      current.set(member.key, known);
      const g = member.gauges;
      const fdRatio = g.openFds !== null && g.fdLimit !== null && g.fdLimit > 0 ? g.openFds / g.fdLimit : 0;
      for (const name of member.groups) {
        let work = groups.get(name);
        if (work === undefined) {
          work = newGroup();
          groups.set(name, work);
        }
        work.procs += 1;
        for (const field of COUNTER_FIELDS) work.counters[field] += delta[field];
        work.residentBytes += g.residentBytes;
        work.virtualBytes += g.virtualBytes;
        work.swappedBytes += g.swappedBytes ?? 0;
        work.proportionalResidentBytes += g.proportionalResidentBytes ?? 0;
        work.proportionalSwappedBytes += g.proportionalSwappedBytes ?? 0;
        work.openFds += g.openFds ?? 0;
        if (fdRatio > work.worstFdRatio) work.worstFdRatio = fdRatio;
        work.threads += g.threads;
        if (g.startTimeSeconds < work.oldestStart) work.oldestStart = g.startTimeSeconds;
        work.states[stateBucket(g.state)] += 1;
      }
    }
    this.previous = current;

    // Fold this sample's increases into the running totals.
    for (const [name, work] of groups) {
      const total = this.totals.get(name) ?? { ...ZERO_COUNTERS };
      for (const field of COUNTER_FIELDS) total[field] += work.counters[field];
      this.totals.set(name, total);
      this.lastPopulatedMs.set(name, nowMs);
    }
    for (const [name, lastMs] of this.lastPopulatedMs) {
      if (!groups.has(name) && nowMs - lastMs > this.retainMs) {
        this.lastPopulatedMs.delete(name);
        this.totals.delete(name);
      }
    }

    const figures: GroupFigures[] = [];
    for (const [name, total] of this.totals) {
      const work = groups.get(name) ?? newGroup();
      figures.push({
        name,
        procs: work.procs,
        counters: { ...total },
        residentBytes: work.residentBytes,
        virtualBytes: work.virtualBytes,
        swappedBytes: work.swappedBytes,
        proportionalResidentBytes: work.proportionalResidentBytes,
        proportionalSwappedBytes: work.proportionalSwappedBytes,
        openFds: work.openFds,
        worstFdRatio: work.worstFdRatio,
        threads: work.threads,
        oldestStartTimeSeconds: work.procs > 0 ? Math.floor(work.oldestStart) : null,
        states: { ...work.states },
      });
    }
    figures.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return figures;
  }
}
