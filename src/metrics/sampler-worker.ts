// The sampler thread's side: the collector, the exporter and (when it samples on its own) the
// sampling loop run here, on a worker thread, so a snapshot being decoded or the extras being read
// never hold up the thread that answers scrapes. It reports rendered samples, never raw data.
import type { MessagePort } from 'node:worker_threads';
import type { CollectorChoice } from '../sys/collector.js';
import type { Snapshot } from '../sys/types.js';
import { MetricsExporter } from './exporter.js';
import type { RenderedSample } from './exposition.js';
import type { GroupBy } from './grouping.js';
import { MetricsLoop } from './metrics-loop.js';
import { registryTrackedSource } from './registry-source.js';

/** What the sampler thread is started with (its workerData). */
export interface SamplerSettings {
  /** 'sample': read /proc every intervalMs; 'fed': sum the snapshots it is sent (the --watch pane's). */
  readonly mode: 'sample' | 'fed';
  readonly groupBy: GroupBy;
  /** Time between samples in 'sample' mode. */
  readonly intervalMs: number;
  /** Read smaps_rollup for proportional memory. */
  readonly proportional: boolean;
  /** Tags and groups as labels of proctop_tracked_up. */
  readonly trackedLabels: boolean;
}

/** Sampler thread → serving thread. */
export type SamplerReport =
  /** The collector and exporter are up; `notice` says the JS fallback backend is in use. */
  | { readonly type: 'started'; readonly notice: string | null }
  /** A sample is in, rendered in both formats. */
  | { readonly type: 'sample'; readonly sample: RenderedSample }
  /** A sample failed (counted in proctop_sample_errors_total); the last good one is still served. */
  | { readonly type: 'sample-error'; readonly message: string }
  /** Something to tell the user once (a registry problem). */
  | { readonly type: 'warning'; readonly message: string };

/** Serving thread → sampler thread. */
export type SamplerOrder =
  /** 'fed' mode: sum this snapshot; `readMs` is how long reading it took. */
  | { readonly type: 'snapshot'; readonly snapshot: Snapshot; readonly readMs: number }
  /** Stop sampling, let a sample in flight finish, then let the thread end. */
  | { readonly type: 'stop' };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs the sampler on `port` until told to stop. `choice` is the collector this thread made for
 * itself (the native addon loads once per thread). Resolves when sampling has stopped.
 */
export async function runSamplerWorker(port: MessagePort, settings: SamplerSettings, choice: CollectorChoice): Promise<void> {
  const report = (message: SamplerReport): void => port.postMessage(message);
  const collector = choice.collector;
  const tracked = await registryTrackedSource(collector, (message) => report({ type: 'warning', message }));
  const exporter = new MetricsExporter(
    { groupBy: settings.groupBy, baseline: 'first-sample', proportional: settings.proportional, trackedLabels: settings.trackedLabels },
    collector,
    tracked,
  );
  const stopped = new Promise<void>((resolve) => {
    port.on('message', (order: SamplerOrder) => {
      if (order.type === 'stop') resolve();
      else void ingest(order.snapshot, order.readMs);
    });
  });
  const ingest = async (snapshot: Snapshot, readMs: number): Promise<void> => {
    try {
      report({ type: 'sample', sample: await exporter.ingest(snapshot, performance.now() - readMs) });
    } catch (error) {
      exporter.recordSampleError();
      report({ type: 'sample-error', message: messageOf(error) });
    }
  };
  report({ type: 'started', notice: choice.notice });
  if (settings.mode === 'fed') {
    await stopped;
  } else {
    const loop = new MetricsLoop(collector, exporter, settings.intervalMs, {
      onSample: (sample) => report({ type: 'sample', sample }),
      onError: (error) => report({ type: 'sample-error', message: messageOf(error) }),
    });
    void loop.start();
    await stopped;
    await loop.stop();
  }
  port.close();
}
