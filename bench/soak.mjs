// `npm run bench -- --soak MINUTES [--procs N]`: proctop --watch --interval 250ms in a tmux pane
// for MINUTES on the bench's farm. RSS is read every 2 s and each minute is reported as the median
// of its readings: a single reading lands at a random point of the garbage collector's sawtooth
// (young generation filling, old generation growing until a mark-compact), which on this machine
// swings RSS by 5–8 MB from one second to the next and says nothing about a leak. Reported: the
// per-minute medians, their band (max − min) after the first minutes, the least-squares slope and
// the trend it implies over the settled minutes (slope × minutes). The target, "flat within 5 MB",
// is judged on the band of the medians; the trend and the raw min/max of every reading are shown
// beside it.
import { rmSync } from 'node:fs';
import { median } from './snapshot.mjs';
import { bundle, killTmuxServer, rssBytes, startInPane, stopPane } from './tui.mjs';
import { ensureCodeCache } from './launch.mjs';

/** Minutes left out of the flatness figure: the heap grows to its working size first. */
const SETTLE_MINUTES = 2;
/** How often RSS is read; each minute reports the median of its readings. */
const READ_EVERY_MS = 2_000;
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
  // As users run it every day: with the code cache of its main script made by an earlier start.
  await ensureCodeCache(cli);
  const pane = await startInPane('soak', `${cli} --watch --interval 250ms`);
  const samples = []; // [minute, median MB, min MB, max MB]
  const startedAt = performance.now();
  try {
    for (let minute = 0; minute < minutes; minute++) {
      // Minute m is the readings in [m, m + 1) minutes after launch; minute 0 starts 5 s in, once
      // the first frames are drawn.
      const readings = [];
      for (let at = minute === 0 ? 5_000 : minute * 60_000; at < (minute + 1) * 60_000; at += READ_EVERY_MS) {
        await sleep(Math.max(0, startedAt + at - performance.now()));
        const rss = rssBytes(pane.pid);
        if (!Number.isFinite(rss)) throw new Error(`proctop exited during the soak (minute ${minute})`);
        readings.push(rss / 2 ** 20);
      }
      const mid = median(readings);
      samples.push([minute, mid, Math.min(...readings), Math.max(...readings)]);
      console.log(`soak: minute ${minute}: RSS median ${mid.toFixed(1)} MB (${readings.length} readings, ${Math.min(...readings).toFixed(1)}–${Math.max(...readings).toFixed(1)})`);
    }
  } finally {
    stopPane('soak', pane.pid);
    rmSync(pane.dir, { recursive: true, force: true });
    killTmuxServer();
  }
  const settled = samples.filter(([minute]) => minute >= SETTLE_MINUTES);
  const values = settled.map(([, mb]) => mb);
  const slopeMbPerMin = slope(settled.map(([minute, mb]) => [minute, mb]));
  const figures = {
    minutes,
    settleMinutes: SETTLE_MINUTES,
    firstMb: samples[0][1],
    lastMb: samples.at(-1)[1],
    growthMb: values.length > 0 ? Math.max(...values) - Math.min(...values) : NaN,
    slopeMbPerMin,
    trendMb: slopeMbPerMin * Math.max(0, minutes - 1 - SETTLE_MINUTES),
    rawMinMb: Math.min(...settled.map(([, , low]) => low)),
    rawMaxMb: Math.max(...settled.map(([, , , high]) => high)),
  };
  const text = [
    `### Soak: proctop --watch --interval 250ms for ${minutes} min, ${procs} extra processes`,
    '',
    `RSS read every ${READ_EVERY_MS / 1000} s; each minute is the median of its readings (lowest–highest beside it).`,
    '',
    '| minute | RSS MB (median) | lowest–highest |',
    '|---:|---:|---:|',
    ...samples.map(([minute, mb, low, high]) => `| ${minute} | ${mb.toFixed(1)} | ${low.toFixed(1)}–${high.toFixed(1)} |`),
    '',
    `From minute ${SETTLE_MINUTES}: band of the minute medians (max − min) ${figures.growthMb.toFixed(1)} MB (target: flat within 5 MB); slope ${figures.slopeMbPerMin.toFixed(2)} MB/min, a trend of ${figures.trendMb.toFixed(1)} MB from minute ${SETTLE_MINUTES} to ${minutes - 1}; every reading ${figures.rawMinMb.toFixed(1)}–${figures.rawMaxMb.toFixed(1)} MB.`,
  ].join('\n');
  return { text, figures };
}
