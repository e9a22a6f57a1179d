// Launch section of `npm run bench` (`--only launch`): launch → first full frame (a frame with CPU
// figures on screen) of the CLI as users run it (the launcher, in a 120x40 tmux pane), with where
// the time goes, phase by phase, as proctop itself reports it (src/util/startup-trace.ts).
// Standalone: `node bench/launch.mjs [--procs N] [--runs R]` starts its own process farm.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bareNodeText } from './summary.mjs';
import { BENCH_CACHE_HOME, bundle, has, killTmuxServer, startInPane, stopPane } from './tui.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
};
const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** Parses a start-up report: first line the first full frame (ms), then "name ms cpu-ms" lines, last "cpu-ms ms". */
export function parseStartupReport(text) {
  const [first, ...rest] = text.trim().split('\n');
  const marks = new Map();
  const cpu = new Map();
  for (const line of rest) {
    const [name, value, cpuMs] = line.split(' ');
    if (!name || marks.has(name)) continue;
    marks.set(name, Number.parseFloat(value));
    if (cpuMs !== undefined) cpu.set(name, Number.parseFloat(cpuMs));
  }
  return { firstFullFrameMs: Number.parseFloat(first), marks, cpu };
}

/** One start of the CLI in a pane to its first full frame: proctop's own report (null when none came within 10 s). */
async function oneStartup(cli, name, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'proctop-startup-'));
  const reportFile = join(dir, 'first-frame');
  const { pid, dir: pidDir } = await startInPane(name, `${cli}`, { PROCTOP_STARTUP_REPORT: reportFile, ...env });
  // The report is written once, but may be read between its creation and its write: wait for its last line.
  const read = () => (existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : '');
  const deadline = Date.now() + 10_000;
  while (!/cpu-ms [\d.]+\n/.test(read()) && Date.now() < deadline) await sleep(20);
  const report = parseStartupReport(read());
  // The code cache is saved just after the first frame: give it time before the pane goes.
  await sleep(300);
  stopPane(name, pid);
  rmSync(dir, { recursive: true, force: true });
  rmSync(pidDir, { recursive: true, force: true });
  await sleep(200);
  return report.firstFullFrameMs > 0 ? report : null;
}

/** The code cache files (of proctop's main script) in cache home `home`. */
function codeCacheFiles(home) {
  const dir = join(home, 'proctop');
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.bin')) : [];
}

/** Makes sure the bench's cache home holds proctop's code cache (a start makes it, after its first frame). */
export async function ensureCodeCache(cli) {
  if (codeCacheFiles(BENCH_CACHE_HOME).length > 0) return;
  await oneStartup(cli, 'startup-cache');
  if (codeCacheFiles(BENCH_CACHE_HOME).length === 0) throw new Error(`bench: ${cli} made no code cache in ${BENCH_CACHE_HOME}`);
}

/**
 * Launch → first full frame (CPU figures on screen), as reported by proctop itself: `cold`, the
 * first start after install (no code cache: a fresh cache home), then `runs` starts as users
 * start it every other time (the code cache made, in the bench's cache home).
 */
export async function measureStartup(cli, runs) {
  const coldHome = mkdtempSync(join(tmpdir(), 'proctop-startup-cold-'));
  let cold;
  try {
    cold = await oneStartup(cli, 'startup-cold', { XDG_CACHE_HOME: coldHome });
  } finally {
    rmSync(coldHome, { recursive: true, force: true });
  }
  await ensureCodeCache(cli);
  const reports = [];
  for (let i = 0; i < runs; i++) {
    const report = await oneStartup(cli, `startup${i}`);
    if (report) reports.push(report);
  }
  return { cold, reports };
}

/** Median wall ms of `runs` runs of a program to its exit. */
function timeRuns(command, args, runs, env = process.env) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    spawnSync(command, args, { env });
    results.push(performance.now() - start);
  }
  return median(results);
}

/**
 * Bare `node -e 0` start to exit, for scale (ms), and without NODE_EXTRA_CA_CERTS where this
 * environment sets it (withoutCaMs, else null): proctop's launcher starts node without it.
 */
export function measureBareNode(runs) {
  const ms = timeRuns(process.execPath, ['-e', '0'], runs);
  if (process.env.NODE_EXTRA_CA_CERTS === undefined) return { ms, withoutCaMs: null };
  const { NODE_EXTRA_CA_CERTS: _set, ...env } = process.env;
  return { ms, withoutCaMs: timeRuns(process.execPath, ['-e', '0'], runs, env) };
}

/**
 * What the launcher's shell part costs: `cli.js --version` run as a program (sh, then exec node
 * with the flags) against the same node command run directly, both to exit.
 */
export function measureLauncher(cli, runs) {
  const viaLauncher = timeRuns(cli, ['--version'], runs);
  const direct = timeRuns(process.execPath, [cli, '--version'], runs);
  return { viaLauncher, direct };
}

/** The phases, in start-up order: [label, mark where the phase ends]. Time 0 is node's process start. */
const PHASES = [
  ['node start + entry module (cli evaluated)', 'cli-evaluated'],
  ['first snapshot read started (early start)', 'first-read-start'],
  ['main script compiled (with its code cache)', 'code-cache-accepted'],
  ['first read: its pass over the processes began', 'first-read-pass-start'],
  ['first read: its pass ended (reader\'s stamps)', 'first-read-pass-end'],
  ['monitor command loaded', 'monitor-main'],
  ['first snapshot read finished (UI loads after)', 'first-read-done'],
  ['config read', 'config-loaded'],
  ['collector ready (adopts the early read)', 'collector-ready'],
  ['first snapshot handed to the sampler', 'primed-sample-start'],
  ['first snapshot decoded (no CPU figures yet)', 'primed-sample-done'],
  ['UI modules loaded (React, Ink, yoga)', 'ui-loaded'],
  ['first screen rendered off-screen (warm-up)', 'warm-done'],
  ['second read: its pass began (read ahead on time)', 'second-read-pass-start'],
  ['second read: its pass ended (reader\'s stamps)', 'second-read-pass-end'],
  ['second snapshot asked for', 'sample-2-start'],
  ['second snapshot done (CPU figures)', 'sample-2-done'],
  ['render started', 'render-start'],
];

/** The per-phase table: each mark's median time since process start, and the step from the previous one. */
export function phaseLines(reports) {
  const lines = [];
  let previous = 0;
  let previousCpu = 0;
  const rows = PHASES.map(([label, mark]) => ({ label, at: median(reports.map((r) => r.marks.get(mark))), cpu: median(reports.map((r) => r.cpu.get(mark))) }));
  rows.push({ label: 'first full frame on the terminal', at: median(reports.map((r) => r.firstFullFrameMs)), cpu: median(reports.map((r) => r.marks.get('cpu-ms'))) });
  // Marks that overlap (the snapshot runs while the UI loads) are listed in time order; phases
  // no run reached (n/a: the warm-up is skipped when there is no time for it) come last.
  rows.sort((a, b) => (Number.isFinite(a.at) ? a.at : Infinity) - (Number.isFinite(b.at) ? b.at : Infinity));
  lines.push(`    ${'phase ends'.padEnd(44)} ${'wall ms'.padStart(7)}  ${'(step)'.padEnd(9)} ${'CPU ms'.padStart(7)}  (step)`);
  for (const row of rows) {
    lines.push(`    ${row.label.padEnd(44)} ${fmt(row.at).padStart(7)}  ${`(+${fmt(row.at - previous)})`.padEnd(9)} ${fmt(row.cpu).padStart(7)}  (+${fmt(row.cpu - previousCpu)})`);
    if (Number.isFinite(row.at)) previous = row.at;
    if (Number.isFinite(row.cpu)) previousCpu = row.cpu;
  }
  lines.push('    (CPU: user + system of every thread of proctop: the main thread, the snapshot worker, V8\'s compiler and GC threads)');
  return lines;
}

/** Runs the section: the text the bench driver prints and the figures of the closing table. */
export async function run({ procs = 1000, runs = 11, cli } = {}) {
  if (!has('tmux')) return { text: 'Launch: tmux not installed, skipped', figures: {} };
  const { loadavg, cpus } = await import('node:os');
  const target = cli ?? (await bundle()).cli;
  try {
    const { cold, reports } = await measureStartup(target, runs);
    const cached = reports.filter((r) => r.marks.has('code-cache-accepted')).length;
    const bareNode = measureBareNode(5);
    const launcher = measureLauncher(target, 5);
    const firstFrameMedianMs = median(reports.map((r) => r.firstFullFrameMs));
    const windows = reports.map((r) => r.marks.get('cpu-window-ms')).filter(Number.isFinite);
    const lines = [
      `Launch → first full frame (CPU figures shown), ${procs} extra processes, node ${process.version}, load average ${loadavg()[0].toFixed(2)} on ${cpus().length} CPUs`,
      `  median ${fmt(firstFrameMedianMs, 0)} ms over ${reports.length} runs [${reports.map((r) => fmt(r.firstFullFrameMs, 0)).join(', ')}] (target ≤ 200 ms; ${bareNodeText(bareNode)})`,
      `  with the code cache of the main script in ${cached} of ${reports.length} runs; the first start after install, without one: ${cold ? `${fmt(cold.firstFullFrameMs, 0)} ms (CPU ${fmt(cold.marks.get('cpu-ms'), 0)} ms against ${fmt(median(reports.map((r) => r.marks.get('cpu-ms'))), 0)} ms)` : 'no frame'}`,
      `  the first frame's CPU figures cover ${fmt(median(windows))} ms median [${fmt(Math.min(...windows))}–${fmt(Math.max(...windows))}] (its two reads' own timestamps apart; at least 100 ms)`,
      '  phases (medians since node started; the launcher\'s shell part is before 0):',
      ...phaseLines(reports),
      `  launcher: cli.js --version ${fmt(launcher.viaLauncher)} ms through sh, ${fmt(launcher.direct)} ms as node cli.js`,
    ];
    return { text: lines.join('\n'), figures: { firstFrameMedianMs, bareNode, coldFirstFrameMs: cold?.firstFullFrameMs ?? NaN } };
  } finally {
    killTmuxServer();
  }
}


// Standalone: bring our own farm of idle processes.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (flag, fallback) => {
    const at = process.argv.indexOf(flag);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const procs = arg('--procs', 1000);
  const { startFarm } = await import('./farm.mjs');
  const farm = await startFarm(procs);
  try {
    console.log((await run({ procs, runs: arg('--runs', 11) })).text);
  } finally {
    await farm.stop();
  }
}
