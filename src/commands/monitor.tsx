// proctop (interactive) and proctop --watch. Heavy modules (Ink, React) load only when needed.
import { UsageError } from '../output/usage-error.js';
import { writeStderr, writeStdout } from '../output/std-streams.js';
import { MONITOR_USAGE, parseMonitorArgs } from './monitor-options.js';
import { createCollector } from '../sys/collector.js';
import { Sampler } from '../sampler/sampler.js';
import { primedSource } from '../tui/sampling-loop.js';
import { earlyReadFinished, takeEarlyStart } from '../tui/early-start.js';
import type { FrameSource } from '../sampler/types.js';
import type { MonitorOptions } from './monitor-options.js';
import type { Collector } from '../sys/types.js';
import { loadConfig } from '../config/config.js';
import { markStartup } from '../util/startup-trace.js';
import { preferShortTimeslice } from '../sys/first-read.js';
import { preferSmallHeap } from '../util/v8-tiering.js';

/**
 * The longest the UI waits for the early first read to finish before it loads anyway. On a quiet
 * box the read ends well within it (~20-40 ms at 1,000 processes); on a busy one, where other
 * programs hold the CPUs and the read takes longer, the UI loads meanwhile instead of waiting idle.
 */
const EARLY_READ_WAIT_MS = 50;

export async function main(argv: readonly string[]): Promise<number> {
  // --help works even when the config file is broken.
  if (parseMonitorArgs(argv).help) {
    writeStdout(MONITOR_USAGE);
    return 0;
  }
  markStartup('monitor-main');
  const { config, warnings } = await loadConfig();
  markStartup('config-loaded');
  const options = parseMonitorArgs(argv, process.env, config);
  for (const warning of warnings) writeStderr(`proctop: warning: ${warning}\n`);
  const toTerminal = process.stdout.isTTY === true;
  if (!toTerminal && !options.watch) {
    throw new UsageError('stdout is not a terminal: use "proctop --watch [--iterations N]" for a plain-text table, or "proctop pstat"');
  }
  if (toTerminal && !options.watch && process.stdin.isTTY !== true) {
    throw new UsageError('stdin is not a terminal: the interactive monitor needs keys; use "proctop --watch"');
  }
  // On a terminal the CLI may have started the native reader's first read before this module
  // loaded; the collector adopts it.
  const earlyStarted = toTerminal && takeEarlyStart();
  // The event loop wakes on time while the reader's thread or other programs hold the CPUs
  // (preferShortTimeslice in src/sys/first-read.ts); where the kernel keeps no slice per thread,
  // nothing changes.
  preferShortTimeslice();
  const { collector, notice } = createCollector();
  markStartup('collector-ready');
  let source: FrameSource = new Sampler(collector);
  let stopMetrics = async (): Promise<void> => undefined;
  if (options.metrics !== null) {
    const [{ startPaneMetrics }, { addressText }] = await Promise.all([import('../metrics/pane-metrics.js'), import('../metrics/listen-address.js')]);
    let pane;
    try {
      pane = await startPaneMetrics(source, options.metrics);
    } catch (err) {
      process.stderr.write(`proctop: cannot serve metrics on ${addressText(options.metrics.host, options.metrics.port)}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
    source = pane.source;
    stopMetrics = () => pane.stop();
    const bound = pane.server.address;
    process.stderr.write(`proctop: serving metrics on http://${addressText(bound.address, bound.port)}/metrics\n`);
  }
  try {
    return await runMonitor(options, source, collector, notice, toTerminal, earlyStarted);
  } finally {
    await stopMetrics();
  }
}

/** `earlyStarted`: whether the first snapshot's read was started early (startEarly). */
async function runMonitor(
  options: MonitorOptions,
  source: FrameSource,
  collector: Collector,
  notice: string | null,
  toTerminal: boolean,
  earlyStarted: boolean,
): Promise<number> {
  if (!toTerminal) {
    const [{ runWatchBatch }] = await Promise.all([import('../tui/watch-batch.js'), preferSmallHeap()]);
    if (notice) writeStderr(`proctop: ${notice}\n`);
    return runWatchBatch(source, options, collector.backend, writeStdout, writeStderr);
  }
  // The early first read ends before the UI loads (see earlyReadFinished; bounded, like every wait).
  if (earlyStarted) {
    await earlyReadFinished(EARLY_READ_WAIT_MS);
    markStartup('first-read-done');
  }
  const primed = primedSource(source);
  const { runInteractive } = await loadWithoutFetch(() => import('../tui/run-interactive.js'));
  markStartup('ui-loaded');
  return runInteractive({ options, source: primed, backend: collector.backend, notice, collector });
}

/**
 * Runs `load` with the global fetch hidden. Ink's layout engine (yoga, emscripten) embeds its
 * wasm as a data: URL and fetches it whenever `fetch` exists, which makes Node load its whole HTTP
 * client (undici, node:http, http2: ~20 ms of a 350 ms startup budget) only to decode base64;
 * without fetch it decodes the bytes itself. Nothing else runs while the UI modules load.
 */
async function loadWithoutFetch<T>(load: () => Promise<T>): Promise<T> {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!descriptor?.configurable) return load();
  Reflect.deleteProperty(globalThis, 'fetch');
  try {
    return await load();
  } finally {
    Object.defineProperty(globalThis, 'fetch', descriptor);
  }
}
