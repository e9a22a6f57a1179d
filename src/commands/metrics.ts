import { MetricsExporter } from '../metrics/exporter.js';
import { registryTrackedSource } from '../metrics/registry-source.js';
import { sanitizeText } from '../output/sanitize.js';
import type { GroupBy } from '../metrics/grouping.js';
import { writeTextfile } from '../storage/textfile.js';
import { createCollector, type CollectorChoice } from '../sys/collector.js';
import { GROUP_BY_HELP, parseBoundedDuration, parseGroupBy } from './metrics-options.js';
import { parseCommandArgs } from './option-errors.js';
import { UsageError } from '../output/usage-error.js';

export const METRICS_USAGE = `Usage: proctop metrics [--group-by KEY] [--sample DUR] [--textfile PATH | --openmetrics]

Print one Prometheus exposition of every process, summed into groups with process-exporter's
families (namedprocess_namegroup_*), or write it for node_exporter's textfile collector.

${GROUP_BY_HELP}
  --sample DUR           take two samples DUR apart; counters then count from the first
                         sample, as a running exporter's do (default: one sample, counters
                         are each live process's totals since it started)
  --textfile PATH        write the exposition to PATH atomically (temp file + rename) instead of
                         stdout; node_exporter reads *.prom files of --collector.textfile.directory
  --openmetrics          print OpenMetrics 1.0 instead of Prometheus text 0.0.4
  --help                 this text

Exit codes: 0 ok, 1 reading or writing failed, 2 invalid input.
`;

/** Parsed command line of `proctop metrics`. */
export interface MetricsOptions {
  readonly groupBy: GroupBy;
  readonly sampleMs: number | null;
  readonly textfile: string | null;
  readonly openmetrics: boolean;
  readonly trackedLabels: boolean;
  /** Read smaps_rollup for proportional memory. */
  readonly proportional: boolean;
  readonly help: boolean;
}

/** Where metrics reads from and writes to; tests inject a collector and capture output. */
export interface MetricsIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly collector: () => CollectorChoice;
  readonly sleep: (ms: number) => Promise<void>;
  readonly writeTextfile: (path: string, text: string) => Promise<void>;
}

const defaultIo = (): MetricsIo => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  collector: () => createCollector(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  writeTextfile,
});

const MAX_SAMPLE_MS = 10 * 60_000;

/** Turns argv into options; every problem is a one-line UsageError. */
export function parseMetricsArgs(argv: readonly string[]): MetricsOptions {
  const parsed = parseCommandArgs('metrics', argv, {
    'group-by': { type: 'string' },
    sample: { type: 'string' },
    textfile: { type: 'string' },
    openmetrics: { type: 'boolean' },
    'tracked-labels': { type: 'boolean' },
    proportional: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, false, 'metrics takes only options');
  const v = parsed.values;
  if (v.textfile !== undefined && v.openmetrics) throw new UsageError('--textfile writes Prometheus text (node_exporter reads no OpenMetrics): drop --openmetrics');
  if (v.textfile === '') throw new UsageError('--textfile needs a path');
  return {
    groupBy: parseGroupBy(v['group-by']),
    sampleMs: v.sample !== undefined ? parseBoundedDuration('--sample', v.sample, 1, MAX_SAMPLE_MS) : null,
    textfile: v.textfile ?? null,
    openmetrics: v.openmetrics === true,
    trackedLabels: v['tracked-labels'] === true,
    proportional: v.proportional === true,
    help: v.help === true,
  };
}

/** `proctop metrics`: exit 0 ok, 1 reading or writing failed, 2 invalid input (thrown UsageError). */
export async function main(argv: readonly string[], io: MetricsIo = defaultIo()): Promise<number> {
  const options = parseMetricsArgs(argv);
  if (options.help) {
    io.stdout(METRICS_USAGE);
    return 0;
  }
  let choice: CollectorChoice;
  try {
    choice = io.collector();
  } catch (err) {
    io.stderr(`proctop: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (choice.notice) io.stderr(`proctop: ${choice.notice}\n`);
  const tracked = await registryTrackedSource(choice.collector, (text) => io.stderr(`proctop: warning: ${sanitizeText(text)}\n`));
  const exporter = new MetricsExporter({
    groupBy: options.groupBy,
    baseline: options.sampleMs !== null ? 'first-sample' : 'process-start',
    proportional: options.proportional,
    trackedLabels: options.trackedLabels,
  }, choice.collector, tracked);
  let started = performance.now();
  await exporter.ingest(await choice.collector.snapshot(), started);
  if (options.sampleMs !== null) {
    await io.sleep(options.sampleMs);
    started = performance.now();
    await exporter.ingest(await choice.collector.snapshot(), started);
  }
  const text = await exporter.render(options.openmetrics ? 'openmetrics' : 'text');
  if (options.textfile === null) {
    io.stdout(text);
    return 0;
  }
  if (!options.textfile.endsWith('.prom')) io.stderr(`proctop: warning: node_exporter's textfile collector only reads files ending in .prom\n`);
  try {
    await io.writeTextfile(options.textfile, text);
  } catch (err) {
    io.stderr(`proctop: cannot write ${options.textfile}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return 0;
}
