// `proctop --watch --metrics ADDR`: the pane's own samples feed the exposition, so the box is read
// once for both the screen and the scraper.
import type { SampledFrame } from '../sampler/types.js';
import type { Collector } from '../sys/types.js';
import type { FrameSource } from '../sampler/types.js';
import { MetricsExporter } from './exporter.js';
import type { GroupBy } from './grouping.js';
import { startMetricsServer, type MetricsServer } from './http-server.js';
import { registryTrackedSource } from './registry-source.js';
import type { ListenAddress } from './listen-address.js';

export interface PaneMetrics {
  /** The pane's frame source, teeing every snapshot into the exporter. */
  readonly source: FrameSource;
  readonly server: MetricsServer;
}

/**
 * Wraps the pane's frame source: after each frame the snapshot is summed into groups in the
 * background (a frame that arrives while the previous one is still being summed is skipped, so
 * the pane never waits on the exporter). Scrapes get 503 until the first frame is in.
 */
export async function startPaneMetrics(source: FrameSource, collector: Collector, listen: ListenAddress, groupBy: GroupBy = 'comm'): Promise<PaneMetrics> {
  // A pane owns the terminal: registry problems are not printed over it (the endpoint just has no tracked entries).
  const tracked = await registryTrackedSource(collector, () => undefined);
  const exporter = new MetricsExporter({ groupBy, baseline: 'first-sample', proportional: false, trackedLabels: false }, collector, tracked);
  const server = await startMetricsServer(exporter, listen);
  let busy = false;
  const feed = (frame: SampledFrame, startedAt: number): void => {
    if (busy) return;
    busy = true;
    exporter
      .ingest(frame.snapshot, startedAt)
      .catch(() => exporter.recordSampleError())
      .finally(() => {
        busy = false;
      });
  };
  return {
    server,
    source: {
      sample: async () => {
        const startedAt = performance.now();
        const frame = await source.sample();
        feed(frame, startedAt);
        return frame;
      },
    },
  };
}
