// The snapshot section of `npm run bench`: every way of reading the process table, side by side
// on the same farm, as median milliseconds and as ratios to two C floors.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { compileC } from './compile.mjs';

const require = createRequire(import.meta.url);

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs fn `runs` times after `warmups` unmeasured runs; returns the wall times in ms. */
async function timeRuns(fn, runs, warmups = 1) {
  for (let i = 0; i < warmups; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

/** Runs a C floor binary, which times itself per run (no process start-up in the figure). */
function timeFloor(name, procRoot, runs) {
  const binary = compileC(name);
  const result = spawnSync(binary, [procRoot, String(runs + 1)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`);
  const lines = result.stdout.trim().split('\n').slice(1);
  return { times: lines.map((line) => Number(line.split(' ')[0])), processes: Number(lines.at(-1)?.split(' ')[1]) };
}

/** Runs fn while sampling event-loop delay at 1 ms resolution; returns its result and the max delay in ms. */
async function withLoopDelay(fn) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  try {
    const result = await fn();
    return { result, maxDelayMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

function listPids(procRoot) {
  return readdirSync(procRoot).filter((name) => /^[1-9]\d*$/.test(name)).map(Number);
}

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const ratio = (value, floor) => `${(value / floor).toFixed(2)}×`;

/**
 * Measures every reader on the live /proc.
 * @param {{ procs: number, runs?: number, lib: any, procRoot?: string }} options lib = the bundled proctop library
 * @returns {Promise<{ text: string, figures: Record<string, number> }>}
 */
export async function run({ procs, runs = 15, lib, procRoot = '/proc' }) {
  const rows = [];
  const figures = {};
  const notes = [];
  const add = (name, times, processes) => {
    const ms = median(times);
    figures[name] = ms;
    rows.push({ name, ms, processes });
  };

  const floorStat = timeFloor('floor-stat', procRoot, runs);
  add('C floor (a): stat of every pid', floorStat.times, floorStat.processes);
  const floorFirst = timeFloor('floor-first', procRoot, runs);
  add('C floor (b): stat + dir stat + cmdline + exe', floorFirst.times, floorFirst.processes);

  const nativeProbe = lib.createNativeCollector(procRoot);
  if (typeof nativeProbe === 'string') {
    notes.push(`native addon unavailable: ${nativeProbe}`);
  } else {
    let count = 0;
    const first = await withLoopDelay(() =>
      timeRuns(async () => {
        const collector = lib.createNativeCollector(procRoot);
        count = (await collector.snapshot()).processes.length;
      }, runs),
    );
    add('native first snapshot (fresh reader)', first.result, count);
    figures.loopDelayFirstMs = first.maxDelayMs;
    const steadyReader = lib.createNativeCollector(procRoot);
    const steady = await withLoopDelay(() =>
      timeRuns(async () => {
        count = (await steadyReader.snapshot()).processes.length;
      }, runs, 2),
    );
    add('native steady-state refresh', steady.result, count);
    figures.loopDelaySteadyMs = steady.maxDelayMs;
  }

  {
    let count = 0;
    const jsFirst = await timeRuns(async () => {
      count = (await lib.createJsCollector(procRoot).snapshot()).processes.length;
    }, Math.min(runs, 7));
    add('JS fallback first snapshot', jsFirst, count);
    const jsReader = lib.createJsCollector(procRoot);
    const jsSteady = await timeRuns(async () => {
      count = (await jsReader.snapshot()).processes.length;
    }, runs, 2);
    add('JS fallback steady refresh', jsSteady, count);
  }

  {
    const pidusage = require('pidusage');
    let count = 0;
    const times = await timeRuns(async () => {
      const stats = await pidusage(listPids(procRoot));
      count = Object.keys(stats).length;
    }, runs, 2);
    pidusage.clear();
    add('pidusage (all pids, kept fds)', times, count);
  }

  {
    let count = 0;
    const times = await timeRuns(() => {
      const result = spawnSync('ps', ['-eo', 'pid,ppid,pcpu,rss,comm'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (result.status !== 0) throw new Error(`ps failed: ${result.stderr}`);
      count = result.stdout.trim().split('\n').length - 1;
    }, runs);
    add('ps -eo pid,ppid,pcpu,rss,comm', times, count);
  }

  const floorA = figures['C floor (a): stat of every pid'];
  const floorB = figures['C floor (b): stat + dir stat + cmdline + exe'];
  const lines = [
    `### Snapshot: ${procs} farm processes (${floorStat.processes} visible), median of ${runs} runs`,
    '',
    '| reader | processes | median ms | vs floor (a) | vs floor (b) |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((row) => `| ${row.name} | ${row.processes} | ${fmt(row.ms)} | ${ratio(row.ms, floorA)} | ${ratio(row.ms, floorB)} |`),
    '',
  ];
  if (figures.loopDelayFirstMs !== undefined) {
    lines.push(
      `Max event-loop delay while native snapshots ran (monitorEventLoopDelay, 1 ms resolution): ` +
        `first ${figures.loopDelayFirstMs.toFixed(1)} ms, steady ${figures.loopDelaySteadyMs.toFixed(1)} ms.`,
      '',
    );
    const steady = figures['native steady-state refresh'];
    const first = figures['native first snapshot (fresh reader)'];
    const pidusage = figures['pidusage (all pids, kept fds)'];
    const ps = figures['ps -eo pid,ppid,pcpu,rss,comm'];
    const check = (ok, text) => `- [${ok ? 'x' : ' '}] ${text}`;
    lines.push(
      'Targets (set for N=5000):',
      check(steady <= 1.3 * floorA, `steady refresh ≤ 1.3× floor (a): ${ratio(steady, floorA)}`),
      check(first <= 1.5 * floorB, `first snapshot ≤ 1.5× floor (b): ${ratio(first, floorB)}`),
      check(steady < pidusage && first < pidusage, `faster than pidusage: steady ${ratio(pidusage, steady)} faster, first ${ratio(pidusage, first)} faster`),
      check(ps >= 4 * steady, `≥ 4× faster than ps: ${ratio(ps, steady)} (steady), ${ratio(ps, first)} (first)`),
      check(Math.max(figures.loopDelayFirstMs, figures.loopDelaySteadyMs) <= 5, `no event-loop stall > 5 ms: max ${Math.max(figures.loopDelayFirstMs, figures.loopDelaySteadyMs).toFixed(1)} ms`),
      '',
    );
  }
  lines.push(...notes);
  return { text: lines.join('\n'), figures };
}
