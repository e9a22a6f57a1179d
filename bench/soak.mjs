// `npm run bench -- --soak MINUTES [--procs N]`: proctop --watch --interval 250ms in a tmux pane
// for MINUTES on the bench's farm, its RSS sampled every minute; reports the samples, the growth
// after the first minutes (the target: flat within 5 MB) and the least-squares slope over them.
import { rmSync } from 'node:fs';
import { bundle, killTmuxServer, rssBytes, startInPane, stopPane } from './tui.mjs';

/** Minutes left out of the flatness figure: the heap grows to its working size first. */
const SETTLE_MINUTES = 2;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Least-squares slope of y over x. */
export function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * @param {{ procs: number, minutes: number }} options
 * @returns {Promise<{ text: string, figures: Record<string, number> }>}
 */
export async function runSoak({ procs, minutes }) {
  const { cli } = await bundle();
  const pane = await startInPane('soak', `${cli} --watch --interval 250ms`);
  const samples = []; // [minute, MB]
  const startedAt = performance.now();
  try {
    for (let minute = 0; minute <= minutes; minute++) {
      // Minute 0 is read 5 s in, once the first frames are drawn.
      await sleep(Math.max(0, startedAt + Math.max(5_000, minute * 60_000) - performance.now()));
      const rss = rssBytes(pane.pid);
      if (!Number.isFinite(rss)) throw new Error(`proctop exited during the soak (minute ${minute})`);
      samples.push([minute, rss / 2 ** 20]);
      console.log(`soak: minute ${minute}: RSS ${(rss / 2 ** 20).toFixed(1)} MB`);
    }
  } finally {
    stopPane('soak', pane.pid);
    rmSync(pane.dir, { recursive: true, force: true });
    killTmuxServer();
  }
  const settled = samples.filter(([minute]) => minute >= SETTLE_MINUTES);
  const values = settled.map(([, mb]) => mb);
  const figures = {
    minutes,
    settleMinutes: SETTLE_MINUTES,
    firstMb: samples[0][1],
    lastMb: samples.at(-1)[1],
    growthMb: values.length > 0 ? Math.max(...values) - Math.min(...values) : NaN,
    slopeMbPerMin: slope(settled),
  };
  const text = [
    `### Soak: proctop --watch --interval 250ms for ${minutes} min, ${procs} extra processes`,
    '',
    '| minute | RSS MB |',
    '|---:|---:|',
    ...samples.map(([minute, mb]) => `| ${minute} | ${mb.toFixed(1)} |`),
    '',
    `From minute ${SETTLE_MINUTES}: max − min ${figures.growthMb.toFixed(1)} MB, slope ${figures.slopeMbPerMin.toFixed(2)} MB/min (target: flat within 5 MB).`,
  ].join('\n');
  return { text, figures };
}
