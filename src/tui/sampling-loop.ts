// Sampling runs outside React on a timer and hands finished frames to the store.
import type { FrameSource, SampledFrame } from '../sampler/types.js';
import type { MonitorStore } from '../store/monitor-store.js';
import { monotonicNowMs, readMidpointMs } from '../sys/clock.js';
import { FIRST_FOLLOW_UP_MS } from '../sys/first-read.js';
import { markStartup, markStartupAt, startupNowMs } from '../util/startup-trace.js';
import { settledWithin } from '../util/settled-within.js';

/** Timers may fire up to a millisecond early (libuv rounds); the first CPU window must not come out short by it. */
const TIMER_SLACK_MS = 1;

export interface SamplingLoopOptions {
  /**
   * Gap between the first two samples (the first real CPU figures): the second starts at least
   * this long after the middle of the first one's read (its snapshot's own monotonic stamps), so
   * the first frame's CPU figures cover at least this much between the two reads' midpoints.
   */
  readonly firstFollowUpMs?: number;
  /** Told about sampling failures (the loop keeps going). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Samples, feeds the store, waits the store's current interval, repeats. Never overlaps two
 * samples; while paused it does not sample at all (pause = stop eating, and stop paying).
 */
export class SamplingLoop {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inFlight: Promise<void> | null = null;
  private samples = 0;
  /** The middle of the first sample's read, on the snapshots' monotonic clock (null until it has finished). */
  private firstReadMidpointMs: number | null = null;
  /** The second sample starts no sooner than this, on the snapshots' monotonic clock (null: no first read to time it from). */
  private secondNotBeforeMs: number | null = null;
  private firstDone: (() => void) | null = null;
  private readonly firstSettled = new Promise<void>((resolve) => {
    this.firstDone = resolve;
  });
  /** When the second sample is due (monotonicNowMs), while it is scheduled (null before and once it started). */
  private secondDueAt: number | null = null;
  private secondDone: (() => void) | null = null;
  /** Settles once the second sample (the first with CPU figures) has been fed to the store, or failed. */
  private readonly secondSettled = new Promise<void>((resolve) => {
    this.secondDone = resolve;
  });

  constructor(
    private readonly source: FrameSource,
    private readonly store: MonitorStore,
    private readonly options: SamplingLoopOptions = {},
  ) {}

  /** Starts sampling now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /**
   * Resolves once the first sample has been fed to the store (or failed), or after `timeoutMs`:
   * the UI can then draw its first screen with processes in it instead of a "sampling…" screen
   * that is redrawn a moment later.
   */
  firstFrame(timeoutMs: number): Promise<void> {
    return settledWithin(this.firstSettled, timeoutMs);
  }

  /**
   * Resolves once the first frame with CPU figures (the second sample, taken firstFollowUpMs after
   * the first) is in the store, or after `timeoutMs`: the first render can then be the full
   * screen, instead of a screen of 0% that a cold Ink redraws right after, on the path to it.
   */
  firstFullFrame(timeoutMs: number): Promise<void> {
    return settledWithin(this.secondSettled, timeoutMs);
  }

  /**
   * How long until the second sample (the first with CPU figures) is due to start, in ms (0 when
   * overdue), or null when it is not waiting on its timer (the first is still in flight, or the
   * second has started): what the JS thread may spend meanwhile without delaying the first full frame.
   */
  msUntilSecondSample(): number | null {
    return this.secondDueAt === null ? null : Math.max(0, this.secondDueAt - monotonicNowMs());
  }

  /** Stops; resolves once a sample in flight has finished. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  /** Samples right away (e.g. after resume), unless one is in flight. */
  now(): void {
    if (!this.running || this.inFlight) return;
    if (this.timer) clearTimeout(this.timer);
    this.tick();
  }

  private tick(): void {
    this.timer = null;
    if (!this.running) return;
    if (this.store.getState().paused) {
      this.schedule(this.store.getState().intervalMs);
      return;
    }
    this.secondDueAt = null;
    if (this.samples < 2) markStartup(`sample-${this.samples + 1}-start`);
    this.inFlight = this.source
      .sample()
      .then((frame) => {
        if (this.samples < 2) markStartup(`sample-${this.samples + 1}-done`);
        if (this.samples === 0) {
          // A read cannot end after now (a test's synthetic stamps can).
          this.firstReadMidpointMs = Math.min(readMidpointMs(frame.snapshot), monotonicNowMs());
          this.secondNotBeforeMs = this.firstReadMidpointMs + (this.options.firstFollowUpMs ?? FIRST_FOLLOW_UP_MS);
          markReadStamps('first', frame.snapshot);
        } else if (this.samples === 1) {
          // The second read may have started before the loop asked for it (read ahead by the reader).
          markReadStamps('second', frame.snapshot);
        }
        if (this.running) this.store.getState().ingest(frame);
      })
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.inFlight = null;
        this.samples += 1;
        // The first frame has no CPU deltas yet: take the second one soon, not a full interval later.
        const delay =
          this.samples === 1
            ? firstFollowUpDelayMs(this.options.firstFollowUpMs ?? FIRST_FOLLOW_UP_MS, this.firstReadMidpointMs, monotonicNowMs())
            : this.store.getState().intervalMs;
        this.schedule(delay);
        if (this.samples === 1 && this.timer !== null) this.secondDueAt = monotonicNowMs() + delay;
        if (this.samples === 1) this.firstDone?.();
        if (this.samples === 2) this.secondDone?.();
      });
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => this.onTimer(), delayMs);
  }

  private onTimer(): void {
    // libuv's timers count whole milliseconds of a clock that may lag the snapshots' by a tick:
    // one can fire a little early, and the first CPU window must not come out short by it.
    const early = this.samples === 1 && this.secondNotBeforeMs !== null ? this.secondNotBeforeMs - monotonicNowMs() : 0;
    if (early > 0) this.timer = setTimeout(() => this.onTimer(), early);
    else this.tick();
  }
}

/** A read's own stamps in the start-up report: its set-up before them is the reader's (fd table, thread). */
function markReadStamps(which: 'first' | 'second', snapshot: { readonly readStartMonotonicMs: number; readonly monotonicMs: number }): void {
  const monotonicToStartup = startupNowMs() - monotonicNowMs();
  markStartupAt(`${which}-read-pass-start`, snapshot.readStartMonotonicMs + monotonicToStartup);
  markStartupAt(`${which}-read-pass-end`, snapshot.monotonicMs + monotonicToStartup);
}

/**
 * How long to wait before the second sample: until `gapMs` has passed since the middle of the
 * first sample's read (`firstMidpointMs`, null when it failed: then the whole gap), `nowMs` being
 * now on the same monotonic clock. The second read starts after that, so its midpoint is at least
 * the gap after the first's, and the Sampler times CPU figures between midpoints. Timed from the
 * first read's end instead, the first frame would also wait for half of the first read (the slow
 * one: ~35 ms at 1,000 processes), for a window no more accurate.
 */
export function firstFollowUpDelayMs(gapMs: number, firstMidpointMs: number | null, nowMs: number): number {
  if (firstMidpointMs === null) return gapMs;
  // A midpoint later than now (a test's synthetic snapshot) waits no longer than the gap.
  return Math.min(gapMs + TIMER_SLACK_MS, Math.max(0, gapMs - (nowMs - firstMidpointMs) + TIMER_SLACK_MS));
}

/**
 * A source whose first two samples are started before the loop exists: the first at once (before
 * the UI modules load, so it overlaps loading them; its read may have started earlier still, in
 * the CLI's early start, src/tui/early-start.ts), and the second, the first with CPU figures, as
 * soon as it is due (`followUpMs` after the middle of the first read, as the loop would time it)
 * rather than once the loop exists. Loading React, Ink and yoga holds the JS thread for ~80 ms
 * after the first sample is in: the second read runs on the reader's thread meanwhile instead of
 * after it. The loop's first two calls take these two samples; a failed first one is handed out
 * as it is, and then the second call samples afresh.
 */
export function primedSource(source: FrameSource, followUpMs = FIRST_FOLLOW_UP_MS): FrameSource {
  markStartup('primed-sample-start');
  const first = source.sample();
  const second = first.then(
    async (frame) => {
      markStartup('primed-sample-done');
      // The gap after the first read's middle, never less (a timer may fire a little early: then
      // it waits for what is left).
      const due = Math.min(readMidpointMs(frame.snapshot), monotonicNowMs()) + followUpMs;
      for (let left = due - monotonicNowMs(); left > 0; left = due - monotonicNowMs()) {
        await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)));
      }
      markStartup('sample-2-start');
      const answer = await source.sample();
      markStartup('sample-2-done');
      return answer;
    },
    () => null,
  );
  // Kept from becoming unhandled until the loop asks for them (a quit before that never does).
  first.catch(() => undefined);
  second.catch(() => undefined);
  const primed: Promise<SampledFrame | null>[] = [first, second];
  return {
    sample: () => {
      const answer = primed.shift();
      return answer ? answer.then((frame) => frame ?? source.sample()) : source.sample();
    },
  };
}
