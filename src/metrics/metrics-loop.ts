import type { Collector } from '../sys/types.js';
import type { MetricsExporter } from './exporter.js';
import type { RenderedSample } from './exposition.js';

/** What the loop tells its owner. */
export interface MetricsLoopHandlers {
  /** A sample is in, rendered in both formats. */
  readonly onSample?: (sample: RenderedSample) => void;
  /** A sample failed (already counted by the exporter). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Samples in the background on a fixed interval and feeds the exporter; a scrape is answered
 * from whatever sample is newest, so it never waits on /proc. Samples never overlap: the next
 * one is scheduled `intervalMs` after the previous one finished.
 */
export class MetricsLoop {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly collector: Collector,
    private readonly exporter: MetricsExporter,
    private readonly intervalMs: number,
    private readonly handlers: MetricsLoopHandlers = {},
  ) {}

  /** Takes the first sample now (resolves when it is in: the endpoint then never answers empty) and keeps sampling. */
  async start(): Promise<void> {
    this.running = true;
    await this.tick();
  }

  /** Stops; resolves once a sample in flight has finished. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private tick(): Promise<void> {
    this.timer = null;
    const started = performance.now();
    this.inFlight = this.collector
      .snapshot()
      .then((snapshot) => this.exporter.ingest(snapshot, started))
      .then(
        (sample) => this.handlers.onSample?.(sample),
        (error: unknown) => {
          this.exporter.recordSampleError();
          this.handlers.onError?.(error);
        },
      )
      .finally(() => {
        this.inFlight = null;
        if (this.running) this.timer = setTimeout(() => void this.tick(), this.intervalMs);
      });
    return this.inFlight;
  }
}
