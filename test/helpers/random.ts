// Seeded randomness for property tests: a failure replays from its seed.

/** Deterministic pseudo-random numbers in [0, 1), so a failure replays (mulberry32). */
export function randomFloats(seed: number): () => number {
  // mulberry32: all bits usable (a plain LCG's low bits cycle and hid cases here).
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Deterministic pseudo-random integers in [0, n), so a failure replays. */
export function randomSource(seed: number): (n: number) => number {
  const next = randomFloats(seed);
  return (n) => (next() * n) | 0;
}
