import type { GroupBy } from '../metrics/grouping.js';
import { METRICS_PATH, startMetricsServer, type MetricsServer } from '../metrics/http-server.js';
import { DEFAULT_LISTEN, addressText, isLoopback, parseListenAddress, type ListenAddress } from '../metrics/listen-address.js';
import { preferShortTimeslice } from '../sys/first-read.js';
import { preferSmallHeap } from '../util/v8-tiering.js';
import { startSamplerThread, type SamplerThread } from '../metrics/sampler-thread.js';
import { sanitizeText } from '../output/sanitize.js';
import { GROUP_BY_HELP, parseBoundedDuration, parseGroupBy } from './metrics-options.js';
import { parseCommandArgs } from './option-errors.js';
import { UsageError } from '../output/usage-error.js';

export const SERVE_METRICS_USAGE = `Usage: proctop serve-metrics [--listen ADDR] [--group-by KEY] [--interval DUR]

Serve /metrics for Prometheus: process-exporter's families (namedprocess_namegroup_*) summed
into groups, sampled every --interval on a thread of its own and answered from the last sample
(a scrape never waits on /proc or on a sample in progress). Prometheus text 0.0.4, or
OpenMetrics 1.0 when the scraper's Accept header asks for it. Stops cleanly on SIGTERM or
SIGINT (a sample in flight gets 5s to finish, then the sampler thread is ended).

  --listen ADDR          HOST:PORT, [IPv6]:PORT, :PORT (every interface) or PORT
                         (default ${DEFAULT_LISTEN}: loopback only unless you name another address)
${GROUP_BY_HELP}
  --interval DUR         time between samples (default 5s; 250ms .. 1h)
  --help                 this text

Counters count from proctop's first sample; processes that start later count in full, and a
group keeps its counters for an hour after its last process exits (process-exporter's rules).
Exit codes: 0 stopped by a signal, 1 cannot listen, no first sample within 60s or the
sampler thread failed, 2 invalid input.
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

/** `proctop serve-metrics`: runs until SIGTERM/SIGINT (exit 0); 1 when it cannot sample or listen, or the sampler dies. */
export async function main(argv: readonly string[]): Promise<number> {
  const options = parseServeMetricsArgs(argv);
  if (options.help) {
    process.stdout.write(SERVE_METRICS_USAGE);
    return 0;
  }
  const say = (text: string): boolean => process.stderr.write(`proctop: ${sanitizeText(text)}\n`);
  let failed: (reason: string) => void = () => undefined;
  const failure = new Promise<string>((resolve) => (failed = resolve));
  let thread: SamplerThread;
  try {
    // The collector, the samples and the exposition rendering live on the sampler thread; this
    // thread only answers HTTP from the last rendered sample.
    thread = await startSamplerThread(
      { mode: 'sample', groupBy: options.groupBy, intervalMs: options.intervalMs, proportional: options.proportional, trackedLabels: options.trackedLabels },
      { onSampleError: (text) => say(`sample failed: ${text}`), onWarning: (text) => say(`warning: ${text}`), onFailure: (reason) => failed(reason) },
    );
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    return 1;
  }
  // Scrapes are answered on time while the sampler thread reads (preferShortTimeslice in
  // src/sys/first-read.ts); asked after that thread is made, which would otherwise inherit it.
  preferShortTimeslice();
  // A long run: the heap is kept near its live size (preferSmallHeap in src/util/v8-tiering.ts).
  await preferSmallHeap();
  if (thread.notice) say(thread.notice);
  let server: MetricsServer;
  try {
    server = await startMetricsServer(thread.responder, options.listen);
  } catch (err) {
    say(`cannot listen on ${addressText(options.listen.host, options.listen.port)}: ${err instanceof Error ? err.message : String(err)}`);
    await thread.stop();
    return 1;
  }
  const bound = server.address;
  const url = `http://${addressText(bound.address, bound.port)}${METRICS_PATH}`;
  say(`serving metrics on ${url}${isLoopback(bound.address) ? '' : ' (not loopback: reachable from the network)'}`);
  const ended = await Promise.race([
    new Promise<{ readonly signal: NodeJS.Signals }>((resolve) => {
      process.once('SIGTERM', () => resolve({ signal: 'SIGTERM' }));
      process.once('SIGINT', () => resolve({ signal: 'SIGINT' }));
    }),
    failure.then((reason) => ({ reason })),
  ]);
  await server.close();
  await thread.stop();
  if ('reason' in ended) {
    say(`${ended.reason}: stopped serving metrics`);
    return 1;
  }
  say(`${ended.signal}: stopped serving metrics`);
  return 0;
}
