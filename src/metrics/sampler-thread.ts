// The serving thread's side of the sampler thread (sampler-worker.ts): starts it, keeps the last
// rendered sample in a ScrapeResponder, reports its problems, and stops it within a bound. The
// serving thread holds only rendered strings; the collector, snapshots and groups live on the
// sampler thread, so a scrape is never queued behind a sample.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../sys/package-root.js';
import type { Snapshot } from '../sys/types.js';
import { packSnapshot, type SamplerOrder, type SamplerReport, type SamplerSettings } from './sampler-worker.js';
import { ScrapeResponder } from './scrape-responder.js';

/** How long the first sample may take (a loaded box, tens of thousands of processes) before starting fails. */
export const SAMPLER_START_BOUND_MS = 60_000;
/** How long stopping waits for a sample in flight to finish before the thread is terminated. */
export const SAMPLER_STOP_BOUND_MS = 5_000;

/** What the sampler thread tells its owner. */
export interface SamplerThreadHandlers {
  /** A sample failed; the last good one is still served. */
  readonly onSampleError?: (message: string) => void;
  /** Something to tell the user once (a registry problem). */
  readonly onWarning?: (message: string) => void;
  /** The thread died while serving (uncaught error, exit): scrapes now get 503 with this reason. */
  readonly onFailure?: (message: string) => void;
}

export interface SamplerThreadOptions {
  /** The worker script (default: metrics-worker.js of this bundle); tests pass their own. */
  readonly script?: string;
  readonly startBoundMs?: number;
  readonly stopBoundMs?: number;
}

/** A running sampler thread. */
export interface SamplerThread {
  /** Answers scrapes from the last sample the thread rendered. */
  readonly responder: ScrapeResponder;
  /** Set when the sampler thread uses the JS fallback backend: say it once to the user. */
  readonly notice: string | null;
  /**
   * 'fed' mode: hands a snapshot to the thread, unless it is still summing the previous one (the
   * frame is then skipped: the caller never waits on the exporter).
   */
  feed(snapshot: Snapshot, readMs: number): void;
  /** Stops the thread: a sample in flight may finish within stopBoundMs, else the thread is terminated. */
  stop(): Promise<void>;
}

/**
 * Where the built sampler thread is: beside the bundle this module is in (dist/ or dist/chunks/,
 * or a copy of dist such as the bench's), else the package's dist/.
 */
export function samplerWorkerScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'metrics-worker.js'), join(here, '..', 'metrics-worker.js')]) {
    if (existsSync(candidate)) return candidate;
  }
  return join(packageRoot(), 'dist', 'metrics-worker.js');
}

/** Resolves after `ms` unless cancelled first; the timer never keeps the process alive. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Starts the sampler thread. In 'sample' mode resolves once the first sample is in (or has
 * failed: scrapes get 503 until a good one), so the endpoint never answers empty; in 'fed' mode
 * once the thread is ready for snapshots. Rejects when the thread fails or exits first, or when
 * startBoundMs passes (the thread is then terminated).
 */
export function startSamplerThread(settings: SamplerSettings, handlers: SamplerThreadHandlers = {}, options: SamplerThreadOptions = {}): Promise<SamplerThread> {
  const startBoundMs = options.startBoundMs ?? SAMPLER_START_BOUND_MS;
  const stopBoundMs = options.stopBoundMs ?? SAMPLER_STOP_BOUND_MS;
  const responder = new ScrapeResponder();
  let phase: 'starting' | 'running' | 'stopping' | 'gone' = 'starting';
  let notice: string | null = null;
  let busy = false;
  let worker: Worker;
  try {
    worker = new Worker(options.script ?? samplerWorkerScript(), { workerData: settings });
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const order = (message: SamplerOrder, transfer: ArrayBuffer[] = []): void => worker.postMessage(message, transfer);

  const thread: SamplerThread = {
    responder,
    get notice() {
      return notice;
    },
    feed(snapshot, readMs) {
      if (phase !== 'running' || busy) return;
      busy = true;
      try {
        // Columns, the numbers transferred (not copied): see PackedSnapshot.
        const packed = packSnapshot(snapshot);
        order({ type: 'snapshot', snapshot: packed, readMs }, [packed.numbers.buffer as ArrayBuffer]);
      } catch (error) {
        busy = false;
        handlers.onSampleError?.(error instanceof Error ? error.message : String(error));
      }
    },
    async stop() {
      if (phase === 'gone') return;
      phase = 'stopping';
      order({ type: 'stop' });
      const finished = await Promise.race([exited.then(() => true), delay(stopBoundMs).then(() => false)]);
      if (finished) return;
      // A sample stuck (a /proc read that does not return): end the thread, and never let it keep the process alive.
      worker.unref();
      await Promise.race([worker.terminate(), delay(stopBoundMs)]);
    },
  };

  return new Promise<SamplerThread>((resolve, reject) => {
    const timer = setTimeout(() => fail(`the metrics sampler took no first sample within ${startBoundMs / 1000} s`), startBoundMs);
    const started = (): void => {
      if (phase !== 'starting') return;
      clearTimeout(timer);
      phase = 'running';
      resolve(thread);
    };
    const fail = (message: string): void => {
      if (phase === 'starting') {
        clearTimeout(timer);
        phase = 'gone';
        worker.unref();
        void worker.terminate();
        reject(new Error(message));
      } else if (phase === 'running') {
        phase = 'gone';
        responder.fail(message);
        handlers.onFailure?.(message);
      }
      // 'stopping': the exit was asked for; 'gone': already reported.
    };
    worker.on('message', (report: SamplerReport) => {
      switch (report.type) {
        case 'started':
          notice = report.notice;
          if (settings.mode === 'fed') started();
          break;
        case 'sample':
          busy = false;
          responder.update(report.sample);
          started();
          break;
        case 'sample-error':
          busy = false;
          handlers.onSampleError?.(report.message);
          started();
          break;
        case 'warning':
          handlers.onWarning?.(report.message);
          break;
      }
    });
    worker.on('error', (error: unknown) => fail(`metrics sampler failed: ${error instanceof Error ? error.message : String(error)}`));
    worker.on('exit', (code) => fail(`metrics sampler thread exited (code ${code})`));
  });
}
