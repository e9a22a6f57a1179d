import { Counter, Gauge, Registry, type RegistryContentType } from 'prom-client';
import { GROUP_FAMILIES, SAMPLE_FAMILIES, SCRAPE_FAMILIES, type FamilyAvailability, type FamilySpec } from './families.js';
import { STATE_NAMES, type GroupFigures } from './group-figures.js';
import { sanitizeText } from '../output/sanitize.js';

/** The two wire formats: Prometheus text 0.0.4 and OpenMetrics 1.0. */
export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  text: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

/** One registry entry for proctop_tracked_up. */
export interface TrackedUp {
  readonly id: number;
  readonly name: string;
  readonly alive: boolean;
  readonly tags: readonly string[];
  readonly groups: readonly string[];
}

/** Everything one sample contributes to the exposition. */
export interface SampleExposition {
  readonly groups: readonly GroupFigures[];
  /** Registry entries (empty when the registry is not available or empty). */
  readonly tracked: readonly TrackedUp[];
  readonly sampleDurationSeconds: number;
  readonly samples: number;
  readonly sampleErrors: number;
}

/** Per-scrape figures. */
export interface ScrapeFigures {
  readonly previousScrapeSeconds: number;
  readonly sampleAgeSeconds: number;
}

export interface ExpositionOptions {
  readonly available: FamilyAvailability;
  /** Add tags and groups labels to proctop_tracked_up (off by default: cardinality). */
  readonly trackedLabels: boolean;
}

type AnyRegistry = Registry<RegistryContentType>;
type AnyMetric = Gauge<string> | Counter<string>;

function makeMetric(spec: FamilySpec, registers: AnyRegistry[]): AnyMetric {
  const config = { name: spec.name, help: spec.help, labelNames: [...spec.labels], registers };
  return spec.type === 'counter' ? new Counter(config) : new Gauge(config);
}

/**
 * Sets one sample of a family (a counter is reset and raised to its absolute value). Values are
 * rounded to 1e-9: sums of tick fractions otherwise print as 0.3399999999999997.
 */
function put(metric: AnyMetric, labels: Record<string, string>, value: number): void {
  const rounded = Number.isInteger(value) ? value : Math.round(value * 1e9) / 1e9;
  if (metric instanceof Counter) metric.inc(labels, rounded);
  else metric.set(labels, rounded);
}

/** Removes the end-of-exposition marker of an OpenMetrics text so another part can follow. */
function withoutEof(text: string): string {
  return text.endsWith('# EOF\n') ? text.slice(0, -'# EOF\n'.length) : text;
}

type GroupKey = keyof typeof GROUP_FAMILIES;

/**
 * One registry's metric objects. Each format gets its own: prom-client renames a counter in
 * place (drops "_total") when an OpenMetrics registry renders it, so a metric shared by the two
 * registries would come out wrong in the text format afterwards.
 */
class FamilySet {
  readonly registry: AnyRegistry;
  private readonly group = new Map<GroupKey, AnyMetric>();
  private readonly sample: Record<keyof typeof SAMPLE_FAMILIES, AnyMetric>;

  constructor(
    format: ExpositionFormat,
    private readonly options: ExpositionOptions,
  ) {
    this.registry = newRegistry(format);
    const registers = [this.registry];
    const a = options.available;
    const wanted: Record<GroupKey, boolean> = {
      numProcs: true,
      cpuSeconds: true,
      readBytes: a.io,
      writeBytes: a.io,
      majorPageFaults: a.pageFaults,
      minorPageFaults: a.pageFaults,
      contextSwitches: a.ctxSwitches,
      memoryBytes: true,
      openFiledesc: a.fds,
      worstFdRatio: a.fdLimits,
      oldestStartTime: true,
      numThreads: true,
      states: true,
    };
    for (const [key, spec] of Object.entries(GROUP_FAMILIES) as [GroupKey, FamilySpec][]) {
      if (wanted[key]) this.group.set(key, makeMetric(spec, registers));
    }
    const trackedSpec = options.trackedLabels
      ? { ...SAMPLE_FAMILIES.trackedUp, labels: [...SAMPLE_FAMILIES.trackedUp.labels, 'tags', 'groups'] }
      : SAMPLE_FAMILIES.trackedUp;
    this.sample = {
      trackedUp: makeMetric(trackedSpec, registers),
      sampleDuration: makeMetric(SAMPLE_FAMILIES.sampleDuration, registers),
      samples: makeMetric(SAMPLE_FAMILIES.samples, registers),
      sampleErrors: makeMetric(SAMPLE_FAMILIES.sampleErrors, registers),
    };
  }

  /** Sets every family from one sample. */
  load(input: SampleExposition): void {
    for (const metric of this.group.values()) metric.reset();
    for (const metric of Object.values(this.sample)) metric.reset();
    const optional = (key: GroupKey): AnyMetric | undefined => this.group.get(key);
    const always = (key: GroupKey): AnyMetric => this.group.get(key) as AnyMetric;
    const a = this.options.available;
    for (const g of input.groups) {
      const groupname = sanitizeText(g.name);
      const one = { groupname };
      const c = g.counters;
      put(always('numProcs'), one, g.procs);
      put(always('cpuSeconds'), { groupname, mode: 'user' }, c.cpuUserSeconds);
      put(always('cpuSeconds'), { groupname, mode: 'system' }, c.cpuSystemSeconds);
      const readBytes = optional('readBytes');
      if (readBytes) put(readBytes, one, c.readBytes);
      const writeBytes = optional('writeBytes');
      if (writeBytes) put(writeBytes, one, c.writeBytes);
      const major = optional('majorPageFaults');
      if (major) put(major, one, c.majorPageFaults);
      const minor = optional('minorPageFaults');
      if (minor) put(minor, one, c.minorPageFaults);
      const ctx = optional('contextSwitches');
      if (ctx) {
        put(ctx, { groupname, ctxswitchtype: 'voluntary' }, c.voluntaryCtxSwitches);
        put(ctx, { groupname, ctxswitchtype: 'nonvoluntary' }, c.nonvoluntaryCtxSwitches);
      }
      const memory = always('memoryBytes');
      put(memory, { groupname, memtype: 'resident' }, g.residentBytes);
      put(memory, { groupname, memtype: 'virtual' }, g.virtualBytes);
      if (a.swap) put(memory, { groupname, memtype: 'swapped' }, g.swappedBytes);
      if (a.proportional) {
        put(memory, { groupname, memtype: 'proportionalResident' }, g.proportionalResidentBytes);
        put(memory, { groupname, memtype: 'proportionalSwapped' }, g.proportionalSwappedBytes);
      }
      const openFds = optional('openFiledesc');
      if (openFds) put(openFds, one, g.openFds);
      const worst = optional('worstFdRatio');
      if (worst) put(worst, one, g.worstFdRatio);
      if (g.oldestStartTimeSeconds !== null) put(always('oldestStartTime'), one, g.oldestStartTimeSeconds);
      put(always('numThreads'), one, g.threads);
      for (const state of STATE_NAMES) put(always('states'), { groupname, state }, g.states[state]);
    }
    for (const t of input.tracked) {
      const labels: Record<string, string> = { id: String(t.id), name: sanitizeText(t.name) };
      if (this.options.trackedLabels) {
        labels.tags = sanitizeText([...t.tags].sort().join(','));
        labels.groups = sanitizeText([...t.groups].sort().join(','));
      }
      put(this.sample.trackedUp, labels, t.alive ? 1 : 0);
    }
    put(this.sample.sampleDuration, {}, input.sampleDurationSeconds);
    put(this.sample.samples, {}, input.samples);
    put(this.sample.sampleErrors, {}, input.sampleErrors);
  }
}

/** The per-scrape families of one format. */
class ScrapeSet {
  readonly registry: AnyRegistry;
  private readonly scrapeDuration: AnyMetric;
  private readonly sampleAge: AnyMetric;

  constructor(format: ExpositionFormat) {
    this.registry = newRegistry(format);
    this.scrapeDuration = makeMetric(SCRAPE_FAMILIES.scrapeDuration, [this.registry]);
    this.sampleAge = makeMetric(SCRAPE_FAMILIES.sampleAge, [this.registry]);
  }

  render(figures: ScrapeFigures): Promise<string> {
    put(this.scrapeDuration, {}, figures.previousScrapeSeconds);
    put(this.sampleAge, {}, figures.sampleAgeSeconds);
    return this.registry.metrics();
  }
}

const FORMATS = ['text', 'openmetrics'] as const satisfies readonly ExpositionFormat[];

/**
 * One sample's exposition in both formats, rendered where the sample is taken (the sampler
 * thread): plain strings, so handing it to the thread that answers scrapes is one copy.
 */
export interface RenderedSample {
  readonly text: string;
  readonly openmetrics: string;
}

/**
 * Turns group figures into Prometheus text or OpenMetrics through prom-client. A sample is
 * rendered once per format when it is loaded, so a scrape costs one small per-scrape part plus a
 * string concatenation, never a walk of /proc or of every group.
 */
export class Exposition {
  private readonly sets: Record<ExpositionFormat, FamilySet>;
  private last: RenderedSample | null = null;

  constructor(options: ExpositionOptions) {
    this.sets = { text: new FamilySet('text', options), openmetrics: new FamilySet('openmetrics', options) };
  }

  /** Replaces the sample part with a new sample's figures and renders it in both formats. */
  async load(input: SampleExposition): Promise<RenderedSample> {
    for (const format of FORMATS) this.sets[format].load(input);
    const [text, openmetrics] = await Promise.all(FORMATS.map((format) => this.sets[format].registry.metrics()));
    this.last = { text: text as string, openmetrics: openmetrics as string };
    return this.last;
  }

  /** The last sample's exposition in `format`, without per-scrape figures (one-shot output, textfile). */
  async text(format: ExpositionFormat): Promise<string> {
    return this.last ? this.last[format] : this.sets[format].registry.metrics();
  }
}

/**
 * The per-scrape part, kept by whoever answers scrapes: a rendered sample followed by this
 * scrape's own figures (how long the previous scrape took, how old the sample is).
 */
export class ScrapeExposition {
  private readonly scrapeSets: Record<ExpositionFormat, ScrapeSet> = { text: new ScrapeSet('text'), openmetrics: new ScrapeSet('openmetrics') };

  /** The whole exposition in `format`: the rendered sample part, then this scrape's figures. */
  async text(sample: RenderedSample, format: ExpositionFormat, scrape: ScrapeFigures): Promise<string> {
    const sampleText = sample[format];
    const scrapeText = await this.scrapeSets[format].render(scrape);
    return format === 'openmetrics' ? withoutEof(sampleText) + scrapeText : `${sampleText}\n${scrapeText}`;
  }
}

function newRegistry(format: ExpositionFormat): AnyRegistry {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(CONTENT_TYPES[format] as RegistryContentType);
  return registry;
}
