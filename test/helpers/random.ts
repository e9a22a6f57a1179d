// Seeded randomness for property tests: a failure replays from its seed.

/** Deterministic pseudo-random numbers, so a failure replays. */
export function randomSource(seed: number): (n: number) => number {
  // mulberry32: all bits usable (a plain LCG's low bits cycle and hid cases here).
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n | 0;
  };
}
