import { describe, expect, it, vi } from 'vitest';
import { createMonitorStore } from '../src/store/monitor-store.js';
import { firstFollowUpDelayMs, primedSource, SamplingLoop } from '../src/tui/sampling-loop.js';
import type { FrameSource } from '../src/sampler/types.js';
import { syntheticFrame, syntheticRow } from './helpers/synthetic-frames.js';
import { waitFor } from './helpers/children.js';
import { monotonicNowMs } from '../src/sys/clock.js';

/** Counts samples; every frame shows one more process than the last, its read stamped as an instant one now. */
function countingSource(): FrameSource & { calls: number } {
  const source = {
    calls: 0,
    async sample() {
      source.calls += 1;
      const rows = Array.from({ length: source.calls }, (_, i) => syntheticRow({ pid: i + 1 }));
      const frame = syntheticFrame(rows, { intervalMs: source.calls === 1 ? 0 : 1000, timestampMs: 1_700_000_000_000 + source.calls });
      const now = monotonicNowMs();
      return { ...frame, snapshot: { ...frame.snapshot, monotonicMs: now, readStartMonotonicMs: now } };
    },
  };
  return source;
}

/** A store fed by a started loop over a counting source. */
function startedLoop(intervalMs: number, firstFollowUpMs: number) {
  const store = createMonitorStore({ intervalMs });
  const source = countingSource();
  const loop = new SamplingLoop(source, store, { firstFollowUpMs });
  loop.start();
  return { store, source, loop };
}

describe('sampling loop feeding the store', () => {
  it('takes a quick second sample for real CPU figures instead of waiting a whole interval', async () => {
    const { store, source, loop } = startedLoop(60_000, 100);
    try {
      await waitFor(() => store.getState().frame?.intervalMs === 1000, 10_000);
      expect(source.calls).toBe(2);
      expect(store.getState().display).toHaveLength(2);
    } finally {
      await loop.stop();
    }
  });

  it('does not sample while paused, and samples at once on resume', async () => {
    const { store, source, loop } = startedLoop(100, 50);
    try {
      await waitFor(() => source.calls >= 2, 10_000);
      store.getState().togglePause();
      await new Promise((r) => setTimeout(r, 150)); // let a sample already in flight land
      const frozen = source.calls;
      await new Promise((r) => setTimeout(r, 500));
      expect(source.calls).toBe(frozen);
      store.getState().togglePause();
      loop.now();
      await waitFor(() => source.calls > frozen, 10_000);
    } finally {
      await loop.stop();
    }
    const stoppedAt = source.calls;
    await new Promise((r) => setTimeout(r, 300));
    expect(source.calls).toBe(stoppedAt);
  });

  it('firstFrame resolves once the first sample is in the store, so the first render can show it', async () => {
    const { store, source, loop } = startedLoop(60_000, 10_000);
    try {
      await loop.firstFrame(10_000);
      expect(store.getState().frame?.intervalMs).toBe(0);
      expect(store.getState().display).toHaveLength(1);
    } finally {
      await loop.stop();
    }
  });

  it('firstFullFrame resolves once the second sample, the first with CPU figures, is in the store', async () => {
    const { store, source, loop } = startedLoop(60_000, 50);
    try {
      await loop.firstFullFrame(10_000);
      expect(source.calls).toBe(2);
      expect(store.getState().frame?.intervalMs).toBe(1000);
      expect(store.getState().display).toHaveLength(2);
    } finally {
      await loop.stop();
    }
  });

  it('firstFullFrame gives up after its timeout while the second sample is not due yet', async () => {
    const { store, loop } = startedLoop(60_000, 60_000);
    try {
      await loop.firstFullFrame(100);
      // Only the first sample could be in by now (the second is a minute away).
      expect(store.getState().frame?.intervalMs ?? 0).toBe(0);
    } finally {
      await loop.stop();
    }
  });

  it('firstFrame gives up after its timeout when the first sample hangs', async () => {
    const store = createMonitorStore();
    const hanging: FrameSource = { sample: () => new Promise(() => undefined) };
    const loop = new SamplingLoop(hanging, store);
    loop.start();
    const started = performance.now();
    await loop.firstFrame(100);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(store.getState().frame).toBeNull();
    void loop.stop(); // the hanging sample never settles: do not wait for it
  });

  it('starts the second sample the follow-up gap after the middle of the first read (a slow first read)', async () => {
    // Like the native reader: a snapshot is stamped when its read starts and ends, and the first
    // read is the slow one. Here it takes 60 ms of a 100 ms gap.
    const starts: number[] = [];
    const midpoints: number[] = [];
    const source: FrameSource = {
      async sample() {
        const readStartMonotonicMs = monotonicNowMs();
        starts.push(readStartMonotonicMs);
        if (starts.length === 1) await new Promise((r) => setTimeout(r, 60));
        const monotonicMs = monotonicNowMs();
        midpoints.push((readStartMonotonicMs + monotonicMs) / 2);
        const frame = syntheticFrame([syntheticRow({ pid: 1 })], { intervalMs: starts.length === 1 ? 0 : (midpoints[1] ?? 0) - (midpoints[0] ?? 0) });
        return { ...frame, snapshot: { ...frame.snapshot, monotonicMs, readStartMonotonicMs } };
      },
    };
    const store = createMonitorStore({ intervalMs: 60_000 });
    const loop = new SamplingLoop(source, store, { firstFollowUpMs: 100 });
    loop.start();
    try {
      await loop.firstFullFrame(10_000);
      expect(starts).toHaveLength(2);
      // Timed from the first start alone, the second would start ~40 ms after the first read ended.
      expect((starts[1] ?? 0) - (midpoints[0] ?? 0)).toBeGreaterThanOrEqual(100);
      expect(store.getState().frame?.intervalMs ?? 0).toBeGreaterThanOrEqual(100);
    } finally {
      await loop.stop();
    }
  });

  it('times the wait for the second sample from the first read\'s midpoint, not its end', async () => {
    // A first read stamped 300 ms long, ended just now: its midpoint is 150 ms ago, past the
    // 100 ms gap, so the second sample is due at once (timed from the end it would wait 100 ms).
    // The delay the loop asks of setTimeout is read, not the time it took: no timing here.
    const delays: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout);
    let calls = 0;
    const source: FrameSource = {
      async sample() {
        calls += 1;
        const monotonicMs = monotonicNowMs();
        const frame = syntheticFrame([syntheticRow({ pid: 1 })], { intervalMs: calls === 1 ? 0 : 200 });
        return { ...frame, snapshot: { ...frame.snapshot, monotonicMs, readStartMonotonicMs: calls === 1 ? monotonicMs - 300 : monotonicMs } };
      },
    };
    const store = createMonitorStore({ intervalMs: 60_000 });
    const loop = new SamplingLoop(source, store, { firstFollowUpMs: 100 });
    try {
      loop.start();
      await loop.firstFullFrame(10_000);
      expect(calls).toBe(2);
      // The loop's first setTimeout scheduled the second sample (the 10,000 is firstFullFrame's own bound).
      expect(delays.filter((ms) => ms !== 10_000)[0]).toBe(0);
    } finally {
      spy.mockRestore();
      await loop.stop();
    }
  });

  it('says how long until the second sample is due while it waits on its timer, and null before and after', async () => {
    const store = createMonitorStore({ intervalMs: 60_000 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const source = countingSource();
    const gated: FrameSource = {
      async sample() {
        await gate;
        return source.sample();
      },
    };
    const loop = new SamplingLoop(gated, store, { firstFollowUpMs: 60_000 });
    try {
      expect(loop.msUntilSecondSample()).toBeNull();
      loop.start();
      expect(loop.msUntilSecondSample()).toBeNull(); // the first is in flight
      release();
      await loop.firstFrame(10_000);
      const until = loop.msUntilSecondSample();
      expect(until).not.toBeNull();
      expect(until).toBeGreaterThan(50_000);
      expect(until).toBeLessThanOrEqual(60_001);
      loop.now(); // the second starts now
      expect(loop.msUntilSecondSample()).toBeNull();
      await loop.firstFullFrame(10_000);
      expect(loop.msUntilSecondSample()).toBeNull();
    } finally {
      await loop.stop();
    }
  });

  it('firstFollowUpDelayMs: the gap less the time since the first read\'s midpoint, plus a timer\'s slack, within [0, gap + slack]', () => {
    expect(firstFollowUpDelayMs(100, 1000, 1030)).toBe(71);
    expect(firstFollowUpDelayMs(100, 1000, 1100)).toBe(1);
    expect(firstFollowUpDelayMs(100, 1000, 1200)).toBe(0);
    // A midpoint stamped later than now waits no longer than the gap (and the slack).
    expect(firstFollowUpDelayMs(100, 1000, 900)).toBe(101);
    // No first read (it failed): the whole gap.
    expect(firstFollowUpDelayMs(100, null, 1000)).toBe(100);
  });

  it('a primed source hands out the sample it started before the loop existed, and starts the second once it is due', async () => {
    const source = countingSource();
    const started: number[] = [];
    const timed: FrameSource = {
      sample: () => {
        started.push(monotonicNowMs());
        return source.sample();
      },
    };
    const primed = primedSource(timed, 60);
    expect(source.calls).toBe(1);
    // Nobody asks for a sample for a while (the UI modules load): the second starts on its own,
    // no sooner than the gap after the first read (its stamps are taken when it answers).
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(source.calls).toBe(2);
    expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(60);
    const first = await primed.sample();
    expect(first.rows).toHaveLength(1);
    const second = await primed.sample();
    expect(second.rows).toHaveLength(2);
    expect(source.calls).toBe(2);
    // From the third on, each call samples.
    const third = await primed.sample();
    expect(third.rows).toHaveLength(3);
    expect(source.calls).toBe(3);
  });

  it('a primed source whose first sample failed hands out the failure, then samples afresh', async () => {
    let calls = 0;
    const source = countingSource();
    const failingFirst: FrameSource = {
      sample: () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('no /proc')) : source.sample();
      },
    };
    const primed = primedSource(failingFirst, 60);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // No second sample was started for a first that failed.
    expect(calls).toBe(1);
    await expect(primed.sample()).rejects.toThrow('no /proc');
    const next = await primed.sample();
    expect(next.rows).toHaveLength(1);
    expect(calls).toBe(2);
  });
});
