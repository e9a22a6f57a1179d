import { cgroupLabel } from '../sampler/cgroup-label.js';
import { identityKey } from '../sampler/types.js';
import type { Collector, ExtrasRequest, ProcessExtras, RawProcess, Snapshot } from '../sys/types.js';
import type { FamilyAvailability } from './families.js';
import { GroupAccumulator, type CounterBaseline } from './group-accumulator.js';
import type { GroupMember } from './group-figures.js';
import { Exposition, type ExpositionFormat, type RenderedSample, type TrackedUp } from './exposition.js';
import { snapshotGroupNames, type GroupBy } from './grouping.js';
import { trackedGroupNames, trackedName, type TrackedLabelSource } from './tracked-groups.js';

export interface MetricsExporterOptions {
  readonly groupBy: GroupBy;
  readonly baseline: CounterBaseline;
  /** Add proportionalResident / proportionalSwapped (smaps_rollup: costly). */
  readonly proportional: boolean;
  /** Tags and groups as labels of proctop_tracked_up. */
  readonly trackedLabels: boolean;
  /** Monotonic clock in ms (tests pass a fake). */
  readonly clock?: () => number;
}

/** One registry entry and whether its process (same boot, pid and start time) is alive now. */
export interface TrackedState {
  readonly entry: TrackedLabelSource;
  readonly alive: boolean;
}

/** Where tracked entries come from (the registry); read once per sample, against that sample's processes. */
export interface TrackedSource {
  states(snapshot: Snapshot): Promise<readonly TrackedState[]>;
}

const REGISTRY_GROUPINGS: readonly GroupBy[] = ['tag', 'group', 'name'];

/**
 * What the bulk extras reader adds to the snapshot: process-exporter reads the same files (io,
 * status, limits, the fd directory) for every process at every scrape. smaps_rollup (proportional
 * memory) walks every mapping of every process, so it is read only when asked for.
 */
const EXTRAS_REQUEST: ExtrasRequest = { io: true, status: true, fdCount: true, faults: true, fdLimit: true };
const SNAPSHOT_ONLY: FamilyAvailability = { io: false, pageFaults: false, ctxSwitches: false, fds: false, fdLimits: false, swap: false, proportional: false };

/** The extras an exporter reads: unit grouping adds each process's cgroup, proportional memory its smaps_rollup. */
export function extrasRequestFor(groupBy: GroupBy, proportional: boolean): ExtrasRequest {
  return { ...EXTRAS_REQUEST, cgroup: groupBy === 'unit', smapsRollup: proportional };
}

/**
 * The group of a process under unit grouping: the CGROUP column's label (its container, else its
 * systemd unit, else its slice, else its cgroup path, "/" for the root cgroup); "-" when the cgroup
 * could not be read (cgroup v1 only).
 */
export function unitGroupName(extras: ProcessExtras | undefined): string {
  return extras?.cgroup ? cgroupLabel(extras.cgroup) : '-';
}

/**
 * The members of one snapshot for a grouping. `extras` (when read) are in the snapshot's process
 * order; a process that exited between the two reads keeps its snapshot figures, without extras.
 * `trackedGroups` (registry groupings) holds each process's group names in the same order.
 */
export function membersOf(
  snapshot: Snapshot,
  groupBy: GroupBy,
  extras: readonly ProcessExtras[] | null = null,
  trackedGroups: readonly (readonly string[])[] | null = null,
): GroupMember[] {
  const { bootTimeMs, clockTicks } = snapshot.system;
  const ticks = clockTicks > 0 ? clockTicks : 100;
  const bootSeconds = bootTimeMs / 1000;
  const members: GroupMember[] = [];
  const processes = snapshot.processes;
  // A plain loop: it runs for every process every sample.
  for (let i = 0; i < processes.length; i++) {
    const p = processes[i] as RawProcess;
    const found = extras?.[i];
    const same = found !== undefined && found.alive && found.pid === p.pid && found.startTime === p.startTime ? found : undefined;
    // Extras read after a process exec'd (a comm other than the row's) are the new program's: a
    // row still named for the old one would take them as its baseline, and the counters the new
    // program ran up before that read would never count in its group. Its figures are left out for
    // this sample (its cgroup, which an exec does not change, still names its unit).
    const x = same !== undefined && same.comm === p.comm ? same : undefined;
    // Under unit grouping a process that exited before its cgroup was read has no group: drop it.
    const groups = trackedGroups ? (trackedGroups[i] ?? []) : groupBy === 'unit' && found !== undefined && !found.alive ? [] : groupNamesOf(groupBy, p, same);
    if (groups.length === 0) continue;
    const io = x?.io ?? null;
    const status = x?.status ?? null;
    const faults = x?.faults ?? null;
    members.push({
      key: identityKey(p),
      groups,
      counters: {
        cpuUserSeconds: p.utime / ticks,
        cpuSystemSeconds: p.stime / ticks,
        readBytes: io ? io.readBytes : null,
        writeBytes: io ? io.writeBytes : null,
        majorPageFaults: faults ? faults.major : null,
        minorPageFaults: faults ? faults.minor : null,
        voluntaryCtxSwitches: status ? status.voluntaryCtxSwitches : null,
        nonvoluntaryCtxSwitches: status ? status.involuntaryCtxSwitches : null,
      },
      gauges: {
        residentBytes: p.rssBytes,
        virtualBytes: p.vsizeBytes,
        swappedBytes: status ? status.swapBytes : null,
        proportionalResidentBytes: x?.smapsRollup ? x.smapsRollup.pssBytes : null,
        proportionalSwappedBytes: x?.smapsRollup ? x.smapsRollup.swapPssBytes : null,
        openFds: x?.fdCount ?? null,
        fdLimit: x?.fdLimit ?? null,
        threads: p.threads,
        state: p.state,
        startTimeSeconds: bootSeconds + p.startTime / ticks,
      },
    });
  }
  return members;
}

function groupNamesOf(groupBy: GroupBy, p: RawProcess, extras: ProcessExtras | undefined): readonly string[] {
  if (groupBy === 'comm' || groupBy === 'user') return snapshotGroupNames(groupBy, p);
  if (groupBy === 'unit') return [unitGroupName(extras)];
  throw new Error(`--group-by ${groupBy} needs the registry's entries (trackedGroupNames)`);
}

/**
 * The metrics engine: samples go in (ingest), expositions come out, rendered in both formats.
 * The endpoint answers scrapes from the last rendered sample (ScrapeResponder, on another thread
 * than this engine when serving), so a scrape never reads /proc.
 */
export class MetricsExporter {
  private readonly accumulator: GroupAccumulator;
  private readonly exposition: Exposition;
  private readonly clock: () => number;
  private samples = 0;
  private sampleErrors = 0;

  constructor(
    private readonly options: MetricsExporterOptions,
    /** Reads the per-process extras (io, status, fds, faults, cgroup); null = snapshot families only. */
    private readonly extrasSource: Pick<Collector, 'readExtras'> | null,
    /** The registry (proctop_tracked_up, --group-by tag|group|name); null = no tracked entries. */
    private readonly trackedSource: TrackedSource | null = null,
  ) {
    if (!trackedSource && REGISTRY_GROUPINGS.includes(options.groupBy)) throw new Error(`--group-by ${options.groupBy} needs the registry`);
    this.accumulator = new GroupAccumulator({ baseline: options.baseline });
    const available = extrasSource
      ? { io: true, pageFaults: true, ctxSwitches: true, fds: true, fdLimits: true, swap: true, proportional: options.proportional }
      : SNAPSHOT_ONLY;
    this.exposition = new Exposition({ available, trackedLabels: options.trackedLabels });
    if (!extrasSource && options.groupBy === 'unit') throw new Error('--group-by unit needs the extras reader (cgroup)');
    this.clock = options.clock ?? (() => performance.now());
  }

  /** Builds the groups of one snapshot and renders them; `startedAtMs` (clock) is when reading it began. */
  async ingest(snapshot: Snapshot, startedAtMs: number): Promise<RenderedSample> {
    const [extras, states] = await Promise.all([
      this.extrasSource ? this.extrasSource.readExtras(snapshot.processes, extrasRequestFor(this.options.groupBy, this.options.proportional)) : null,
      this.trackedSource ? this.trackedSource.states(snapshot) : [],
    ]);
    const tracked: TrackedUp[] = states.map((s) => ({ id: s.entry.id, name: trackedName(s.entry), alive: s.alive, tags: s.entry.tags, groups: s.entry.groups }));
    const groupBy = this.options.groupBy;
    const trackedGroups =
      groupBy === 'tag' || groupBy === 'group' || groupBy === 'name'
        ? trackedGroupNames(
            snapshot.processes,
            states.filter((s) => s.alive).map((s) => s.entry),
            groupBy,
          )
        : null;
    const members = membersOf(snapshot, groupBy, extras, trackedGroups);
    const groups = this.accumulator.update(members, snapshot.timestampMs);
    this.samples += 1;
    return this.exposition.load({
      groups,
      tracked,
      sampleDurationSeconds: (this.clock() - startedAtMs) / 1000,
      samples: this.samples,
      sampleErrors: this.sampleErrors,
    });
  }

  /** Counts a sample that failed (the last good sample keeps being served). */
  recordSampleError(): void {
    this.sampleErrors += 1;
  }

  /** The exposition of the last sample, without per-scrape figures (one-shot output, textfile). */
  render(format: ExpositionFormat): Promise<string> {
    return this.exposition.text(format);
  }
}
