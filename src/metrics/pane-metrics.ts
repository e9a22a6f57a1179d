// `proctop --watch --metrics ADDR`: the pane's own samples feed the exposition, so the box is read
// once for both the screen and the scraper. Summing them into groups (with the extras reads) runs
// on the sampler thread, so neither the pane nor a scrape waits on it.
import type { FrameSource } from '../sampler/types.js';
import type { GroupBy } from './grouping.js';
import { startMetricsServer, type MetricsServer } from './http-server.js';
import type { ListenAddress } from './listen-address.js';
import { startSamplerThread, type SamplerThreadOptions } from './sampler-thread.js';

export interface PaneMetrics {
  /** The pane's frame source, teeing every snapshot into the sampler thread. */
  readonly source: FrameSource;
  readonly server: MetricsServer;
  /** Stops serving and the sampler thread (bounded: see SAMPLER_STOP_BOUND_MS). */
  stop(): Promise<void>;
}

/**
 * Wraps the pane's frame source: after each frame the snapshot goes to the sampler thread (a
 * frame that arrives while the previous one is still being summed is skipped, so the pane never
 * waits on the exporter). Scrapes get 503 until the first frame is in. Registry problems and a
 * sampler that dies are not printed over the pane: scrapes then get 503 naming the reason.
 */
export async function startPaneMetrics(source: FrameSource, listen: ListenAddress, groupBy: GroupBy = 'comm', options: SamplerThreadOptions = {}): Promise<PaneMetrics> {
  const thread = await startSamplerThread({ mode: 'fed', groupBy, intervalMs: 0, proportional: false, trackedLabels: false }, {}, options);
  let server: MetricsServer;
  try {
    server = await startMetricsServer(thread.responder, listen);
  } catch (err) {
    await thread.stop();
    throw err;
  }
  return {
    server,
    stop: async () => {
      await server.close();
      await thread.stop();
    },
    source: {
      sample: async () => {
        const startedAt = performance.now();
        const frame = await source.sample();
        thread.feed(frame.snapshot, performance.now() - startedAt);
        return frame;
      },
    },
  };
}
