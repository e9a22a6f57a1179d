import { Counter, Gauge, Registry, type RegistryContentType } from 'prom-client';
import { GROUP_FAMILIES, SAMPLE_FAMILIES, SCRAPE_FAMILIES, type FamilyAvailability, type FamilySpec } from './families.js';
import { STATE_NAMES, type GroupFigures } from './group-figures.js';
import { labelText } from './label-text.js';

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

/**
 * Turns group figures into Prometheus text or OpenMetrics through prom-client. A sample is
 * rendered once per format and cached, so a scrape costs one small per-scrape part plus a string
 * concatenation, never a walk of /proc or of every group.
 */
export class Exposition {
  private readonly registries: Record<ExpositionFormat, AnyRegistry>;
  private readonly scrapeRegistries: Record<ExpositionFormat, AnyRegistry>;
  private readonly group = new Map<keyof typeof GROUP_FAMILIES, AnyMetric>();
  private readonly sample: Record<keyof typeof SAMPLE_FAMILIES, AnyMetric>;
  private readonly scrape: Record<keyof typeof SCRAPE_FAMILIES, AnyMetric>;
  private readonly rendered = new Map<ExpositionFormat, Promise<string>>();

  constructor(private readonly options: ExpositionOptions) {
    this.registries = { text: new Registry(), openmetrics: openMetricsRegistry() };
    this.scrapeRegistries = { text: new Registry(), openmetrics: openMetricsRegistry() };
    const both = [this.registries.text, this.registries.openmetrics];
    const a = options.available;
    const wanted: Record<keyof typeof GROUP_FAMILIES, boolean> = {
      numProcs: true,
      cpuSeconds: true,
      readBytes: a.io,
      writeBytes: a.io,
      majorPageFaults: a.pageFaults,
      minorPageFaults: a.pageFaults,
      contextSwitches: a.ctxSwitches,
      memoryBytes: true,
      openFiledesc: a.fds,
      worstFdRatio: a.fds,
      oldestStartTime: true,
      numThreads: true,
      states: true,
    };
    for (const [key, spec] of Object.entries(GROUP_FAMILIES) as [keyof typeof GROUP_FAMILIES, FamilySpec][]) {
      if (wanted[key]) this.group.set(key, makeMetric(spec, both));
    }
    const trackedSpec = options.trackedLabels
      ? { ...SAMPLE_FAMILIES.trackedUp, labels: [...SAMPLE_FAMILIES.trackedUp.labels, 'tags', 'groups'] }
      : SAMPLE_FAMILIES.trackedUp;
    this.sample = {
      trackedUp: makeMetric(trackedSpec, both),
      sampleDuration: makeMetric(SAMPLE_FAMILIES.sampleDuration, both),
      samples: makeMetric(SAMPLE_FAMILIES.samples, both),
      sampleErrors: makeMetric(SAMPLE_FAMILIES.sampleErrors, both),
    };
    const scrapeBoth = [this.scrapeRegistries.text, this.scrapeRegistries.openmetrics];
    this.scrape = {
      scrapeDuration: makeMetric(SCRAPE_FAMILIES.scrapeDuration, scrapeBoth),
      sampleAge: makeMetric(SCRAPE_FAMILIES.sampleAge, scrapeBoth),
    };
  }

  /** Replaces the sample part with a new sample's figures; resolves once both formats are rendered. */
  async load(input: SampleExposition): Promise<void> {
    for (const metric of this.group.values()) metric.reset();
    for (const metric of Object.values(this.sample)) metric.reset();
    const m = (key: keyof typeof GROUP_FAMILIES): AnyMetric | undefined => this.group.get(key);
    const a = this.options.available;
    for (const g of input.groups) {
      const groupname = labelText(g.name);
      const one = { groupname };
      const c = g.counters;
      put(m('numProcs')!, one, g.procs);
      put(m('cpuSeconds')!, { groupname, mode: 'user' }, c.cpuUserSeconds);
      put(m('cpuSeconds')!, { groupname, mode: 'system' }, c.cpuSystemSeconds);
      const readBytes = m('readBytes');
      if (readBytes) put(readBytes, one, c.readBytes);
      const writeBytes = m('writeBytes');
      if (writeBytes) put(writeBytes, one, c.writeBytes);
      const major = m('majorPageFaults');
      if (major) put(major, one, c.majorPageFaults);
      const minor = m('minorPageFaults');
      if (minor) put(minor, one, c.minorPageFaults);
      const ctx = m('contextSwitches');
      if (ctx) {
        put(ctx, { groupname, ctxswitchtype: 'voluntary' }, c.voluntaryCtxSwitches);
        put(ctx, { groupname, ctxswitchtype: 'nonvoluntary' }, c.nonvoluntaryCtxSwitches);
      }
      const memory = m('memoryBytes')!;
      put(memory, { groupname, memtype: 'resident' }, g.residentBytes);
      put(memory, { groupname, memtype: 'virtual' }, g.virtualBytes);
      if (a.swap) put(memory, { groupname, memtype: 'swapped' }, g.swappedBytes);
      if (a.proportional) {
        put(memory, { groupname, memtype: 'proportionalResident' }, g.proportionalResidentBytes);
        put(memory, { groupname, memtype: 'proportionalSwapped' }, g.proportionalSwappedBytes);
      }
      const openFds = m('openFiledesc');
      if (openFds) put(openFds, one, g.openFds);
      const worst = m('worstFdRatio');
      if (worst) put(worst, one, g.worstFdRatio);
      if (g.oldestStartTimeSeconds !== null) put(m('oldestStartTime')!, one, g.oldestStartTimeSeconds);
      put(m('numThreads')!, one, g.threads);
      for (const state of STATE_NAMES) put(m('states')!, { groupname, state }, g.states[state]);
    }
    for (const t of input.tracked) {
      const labels: Record<string, string> = { id: String(t.id), name: labelText(t.name) };
      if (this.options.trackedLabels) {
        labels.tags = labelText([...t.tags].sort().join(','));
        labels.groups = labelText([...t.groups].sort().join(','));
      }
      put(this.sample.trackedUp, labels, t.alive ? 1 : 0);
    }
    put(this.sample.sampleDuration, {}, input.sampleDurationSeconds);
    put(this.sample.samples, {}, input.samples);
    put(this.sample.sampleErrors, {}, input.sampleErrors);
    this.rendered.clear();
    // Render now, at sample time, so the first scrape after a sample does not pay for it.
    for (const format of ['text', 'openmetrics'] as const) this.rendered.set(format, this.registries[format].metrics());
    await Promise.all(this.rendered.values());
  }

  /** The whole exposition in `format`: the cached sample part, then this scrape's figures. */
  async text(format: ExpositionFormat, scrape: ScrapeFigures | null): Promise<string> {
    let cached = this.rendered.get(format);
    if (cached === undefined) {
      cached = this.registries[format].metrics();
      this.rendered.set(format, cached);
    }
    const sampleText = await cached;
    if (scrape === null) return sampleText;
    put(this.scrape.scrapeDuration, {}, scrape.previousScrapeSeconds);
    put(this.scrape.sampleAge, {}, scrape.sampleAgeSeconds);
    const scrapeText = await this.scrapeRegistries[format].metrics();
    return format === 'openmetrics' ? withoutEof(sampleText) + scrapeText : `${sampleText}\n${scrapeText}`;
  }
}

function openMetricsRegistry(): AnyRegistry {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry;
}
