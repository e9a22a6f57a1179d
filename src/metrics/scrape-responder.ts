import { ScrapeExposition, type ExpositionFormat, type RenderedSample } from './exposition.js';
import type { ScrapeHandler } from './http-server.js';

/**
 * Answers scrapes from the last rendered sample, on the thread that serves HTTP. Holding only the
 * rendered strings (not the snapshot, not the groups), it never waits on the sampler: a scrape is
 * one small per-scrape part and a string concatenation, whatever the sampler is doing.
 */
export class ScrapeResponder implements ScrapeHandler {
  private readonly scrapeExposition = new ScrapeExposition();
  private sample: RenderedSample | null = null;
  private failure: string | null = null;
  private sampleAtMs = 0;
  private previousScrapeSeconds = 0;

  constructor(
    /** Monotonic clock in ms (tests pass a fake). */
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Why scrapes cannot be answered now (503): no sample yet, or the sampler stopped; null when they can. */
  get unavailable(): string | null {
    return this.failure ?? (this.sample === null ? 'no sample yet' : null);
  }

  /** The sampler is gone: from now on scrapes get 503 with this reason, never a sample that no longer ages. */
  fail(reason: string): void {
    this.failure = reason;
  }

  /** Takes a newly rendered sample; scrapes from now on are answered from it. */
  update(sample: RenderedSample): void {
    this.sample = sample;
    this.sampleAtMs = this.clock();
  }

  /** Answers one scrape from the last sample. */
  async scrape(format: ExpositionFormat): Promise<string> {
    if (this.sample === null) throw new Error(this.unavailable ?? 'no sample yet');
    const started = this.clock();
    const text = await this.scrapeExposition.text(this.sample, format, {
      previousScrapeSeconds: this.previousScrapeSeconds,
      sampleAgeSeconds: (started - this.sampleAtMs) / 1000,
    });
    this.previousScrapeSeconds = (this.clock() - started) / 1000;
    return text;
  }
}
