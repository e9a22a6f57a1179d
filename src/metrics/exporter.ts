import { identityKey } from '../sampler/types.js';
import type { RawProcess, Snapshot } from '../sys/types.js';
import type { FamilyAvailability } from './families.js';
import { GroupAccumulator, type CounterBaseline } from './group-accumulator.js';
import type { GroupMember } from './group-figures.js';
import { Exposition, type ExpositionFormat, type TrackedUp } from './exposition.js';
import { snapshotGroupNames, type GroupBy } from './grouping.js';

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

/** Families the snapshot alone can feed (the bulk extras reader adds the rest once it is wired in). */
const SNAPSHOT_ONLY: FamilyAvailability = { io: false, pageFaults: false, ctxSwitches: false, fds: false, swap: false, proportional: false };

/** The members of one snapshot for a grouping. */
export function membersOf(snapshot: Snapshot, groupBy: GroupBy): GroupMember[] {
  const { bootTimeMs, clockTicks } = snapshot.system;
  const ticks = clockTicks > 0 ? clockTicks : 100;
  const bootSeconds = bootTimeMs / 1000;
  const members: GroupMember[] = [];
  // A plain loop: it runs for every process every sample.
  for (const p of snapshot.processes) {
    const groups = groupNamesOf(groupBy, p);
    if (groups.length === 0) continue;
    members.push({
      key: identityKey(p),
      groups,
      counters: {
        cpuUserSeconds: p.utime / ticks,
        cpuSystemSeconds: p.stime / ticks,
        readBytes: null,
        writeBytes: null,
        majorPageFaults: null,
        minorPageFaults: null,
        voluntaryCtxSwitches: null,
        nonvoluntaryCtxSwitches: null,
      },
      gauges: {
        residentBytes: p.rssBytes,
        virtualBytes: p.vsizeBytes,
        swappedBytes: null,
        proportionalResidentBytes: null,
        proportionalSwappedBytes: null,
        openFds: null,
        fdLimit: null,
        threads: p.threads,
        state: p.state,
        startTimeSeconds: bootSeconds + p.startTime / ticks,
      },
    });
  }
  return members;
}

function groupNamesOf(groupBy: GroupBy, p: RawProcess): readonly string[] {
  if (groupBy === 'comm' || groupBy === 'user') return snapshotGroupNames(groupBy, p);
  throw new Error(`--group-by ${groupBy} needs data this build does not read yet`);
}

/**
 * The metrics engine: samples go in (ingest), expositions come out (render for a one-shot,
 * scrape for the HTTP endpoint). Scrapes are answered from the last sample; they never read /proc.
 */
export class MetricsExporter {
  private readonly accumulator: GroupAccumulator;
  private readonly exposition: Exposition;
  private readonly clock: () => number;
  private samples = 0;
  private sampleErrors = 0;
  private lastSampleAtMs: number | null = null;
  private previousScrapeSeconds = 0;

  constructor(private readonly options: MetricsExporterOptions) {
    this.accumulator = new GroupAccumulator({ baseline: options.baseline });
    this.exposition = new Exposition({ available: SNAPSHOT_ONLY, trackedLabels: options.trackedLabels });
    this.clock = options.clock ?? (() => performance.now());
  }

  /** True once a sample has been taken. */
  get ready(): boolean {
    return this.lastSampleAtMs !== null;
  }

  /** Builds the groups of one snapshot; `startedAtMs` (clock) is when reading it began. */
  async ingest(snapshot: Snapshot, startedAtMs: number, tracked: readonly TrackedUp[] = []): Promise<void> {
    const members = membersOf(snapshot, this.options.groupBy);
    const groups = this.accumulator.update(members, snapshot.timestampMs);
    this.samples += 1;
    await this.exposition.load({
      groups,
      tracked,
      sampleDurationSeconds: (this.clock() - startedAtMs) / 1000,
      samples: this.samples,
      sampleErrors: this.sampleErrors,
    });
    this.lastSampleAtMs = this.clock();
  }

  /** Counts a sample that failed (the last good sample keeps being served). */
  recordSampleError(): void {
    this.sampleErrors += 1;
  }

  /** The exposition of the last sample, without per-scrape figures (one-shot output, textfile). */
  render(format: ExpositionFormat): Promise<string> {
    return this.exposition.text(format, null);
  }

  /** Answers one scrape from the last sample. */
  async scrape(format: ExpositionFormat): Promise<string> {
    const started = this.clock();
    const text = await this.exposition.text(format, {
      previousScrapeSeconds: this.previousScrapeSeconds,
      sampleAgeSeconds: this.lastSampleAtMs === null ? 0 : (started - this.lastSampleAtMs) / 1000,
    });
    this.previousScrapeSeconds = (this.clock() - started) / 1000;
    return text;
  }
}
