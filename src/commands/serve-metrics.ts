import { MetricsExporter } from '../metrics/exporter.js';
import type { GroupBy } from '../metrics/grouping.js';
import { METRICS_PATH, startMetricsServer } from '../metrics/http-server.js';
import { DEFAULT_LISTEN, addressText, isLoopback, parseListenAddress, type ListenAddress } from '../metrics/listen-address.js';
import { MetricsLoop } from '../metrics/metrics-loop.js';
import { registryTrackedSource } from '../metrics/registry-source.js';
import { sanitizeText } from '../output/sanitize.js';
import { createCollector, type CollectorChoice } from '../sys/collector.js';
import { GROUP_BY_HELP, parseBoundedDuration, parseGroupBy } from './metrics-options.js';
import { parseCommandArgs } from './option-errors.js';
import { UsageError } from '../output/usage-error.js';

export const SERVE_METRICS_USAGE = `Usage: proctop serve-metrics [--listen ADDR] [--group-by KEY] [--interval DUR]

Serve /metrics for Prometheus: process-exporter's families (namedprocess_namegroup_*) summed
into groups, sampled in the background every --interval and answered from the last sample (a
scrape never waits on /proc). Prometheus text 0.0.4, or OpenMetrics 1.0 when the scraper's
Accept header asks for it. Stops cleanly on SIGTERM or SIGINT.

  --listen ADDR          HOST:PORT, [IPv6]:PORT, :PORT (every interface) or PORT
                         (default ${DEFAULT_LISTEN}: loopback only unless you name another address)
${GROUP_BY_HELP}
  --interval DUR         time between samples (default 5s; 250ms .. 1h)
  --help                 this text

Counters count from proctop's first sample; processes that start later count in full, and a
group keeps its counters for an hour after its last process exits (process-exporter's rules).
Exit codes: 0 stopped by a signal, 1 cannot listen or read, 2 invalid input.
`;

/** Parsed command line of `proctop serve-metrics`. */
export interface ServeMetricsOptions {
  readonly listen: ListenAddress;
  readonly groupBy: GroupBy;
  readonly intervalMs: number;
  readonly trackedLabels: boolean;
  /** Read smaps_rollup for proportional memory. */
  readonly proportional: boolean;
  readonly help: boolean;
}

const DEFAULT_INTERVAL_MS = 5000;

/** --listen / --metrics value → address; a bad one is a UsageError naming the flag. */
export function listenAddressArg(flag: string, text: string): ListenAddress {
  const parsed = parseListenAddress(text);
  if (typeof parsed === 'string') throw new UsageError(`${flag} ${parsed}`);
  return parsed;
}

export function parseServeMetricsArgs(argv: readonly string[]): ServeMetricsOptions {
  const parsed = parseCommandArgs('serve-metrics', argv, {
    listen: { type: 'string' },
    'group-by': { type: 'string' },
    interval: { type: 'string' },
    'tracked-labels': { type: 'boolean' },
    proportional: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, false, 'serve-metrics takes only options');
  const v = parsed.values;
  return {
    listen: listenAddressArg('--listen', v.listen ?? DEFAULT_LISTEN),
    groupBy: parseGroupBy(v['group-by']),
    intervalMs: v.interval !== undefined ? parseBoundedDuration('--interval', v.interval, 250, 3_600_000) : DEFAULT_INTERVAL_MS,
    trackedLabels: v['tracked-labels'] === true,
    proportional: v.proportional === true,
    help: v.help === true,
  };
}

/** A running exporter: sampling loop plus HTTP server, and one way to stop both. */
export interface RunningExporter {
  readonly url: string;
  readonly loopback: boolean;
  stop(): Promise<void>;
}

/** Starts sampling (first sample taken before listening, so no scrape finds nothing) and serves it. */
export async function startExporter(
  choice: CollectorChoice,
  options: Pick<ServeMetricsOptions, 'listen' | 'groupBy' | 'intervalMs' | 'trackedLabels' | 'proportional'>,
  onError: (error: unknown) => void,
  warn: (text: string) => void,
): Promise<RunningExporter> {
  const tracked = await registryTrackedSource(choice.collector, warn);
  const exporter = new MetricsExporter(
    { groupBy: options.groupBy, baseline: 'first-sample', proportional: options.proportional, trackedLabels: options.trackedLabels },
    choice.collector,
    tracked,
  );
  const loop = new MetricsLoop(choice.collector, exporter, options.intervalMs, onError);
  await loop.start();
  let server;
  try {
    server = await startMetricsServer(exporter, options.listen);
  } catch (err) {
    await loop.stop();
    throw err;
  }
  const bound = server.address;
  return {
    url: `http://${addressText(bound.address, bound.port)}${METRICS_PATH}`,
    loopback: isLoopback(bound.address),
    stop: async () => {
      await server.close();
      await loop.stop();
    },
  };
}

/** `proctop serve-metrics`: runs until SIGTERM/SIGINT (exit 0); 1 when it cannot listen. */
export async function main(argv: readonly string[]): Promise<number> {
  const options = parseServeMetricsArgs(argv);
  if (options.help) {
    process.stdout.write(SERVE_METRICS_USAGE);
    return 0;
  }
  let choice: CollectorChoice;
  try {
    choice = createCollector();
  } catch (err) {
    process.stderr.write(`proctop: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (choice.notice) process.stderr.write(`proctop: ${choice.notice}\n`);
  let running: RunningExporter;
  try {
    running = await startExporter(
      choice,
      options,
      (error) => process.stderr.write(`proctop: sample failed: ${sanitizeText(error instanceof Error ? error.message : String(error))}\n`),
      (text) => process.stderr.write(`proctop: warning: ${sanitizeText(text)}\n`),
    );
  } catch (err) {
    process.stderr.write(`proctop: cannot listen on ${addressText(options.listen.host, options.listen.port)}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  process.stderr.write(`proctop: serving metrics on ${running.url}${running.loopback ? '' : ' (not loopback: reachable from the network)'}\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  await running.stop();
  process.stderr.write(`proctop: ${signal}: stopped serving metrics\n`);
  return 0;
}
