// TUI section of `npm run bench`: keypress→frame latency with max(5,000, N) processes, launch→first
// full frame, and CPU cost and RSS of `proctop --watch` in a tmux pane next to htop and btop run the same way.
// Standalone: `node bench/tui.mjs [--procs N]` starts its own process farm.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../scripts/esbuild-options.mjs';
import { buildCli } from '../scripts/cli-bundle.mjs';
import { measureBareNode, measureStartup } from './launch.mjs';
import { cpuTicksOf, readerProcessesOf } from './machine.mjs';
import { bareNodeText } from './summary.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const binDir = join(root, 'bench', 'bin');
const SOCKET = `proctop-bench-${process.pid}`;
const CLK_TCK = 100;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
};
const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** Bundles the CLI (as scripts/build.mjs does) and the latency harness into bench/bin, away from dist/. */
export async function bundle() {
  mkdirSync(binDir, { recursive: true });
  const cliDir = join(binDir, 'tui-cli');
  rmSync(cliDir, { recursive: true, force: true });
  // Built as users run it: the launcher, the entry and the main script (scripts/cli-bundle.mjs).
  mkdirSync(cliDir, { recursive: true });
  await buildCli(cliDir);
  // Split like the CLI so Ink's lazily imported devtools (and react-devtools-core) never load.
  const harnessDir = join(binDir, 'tui-harness');
  rmSync(harnessDir, { recursive: true, force: true });
  await build({ ...BUNDLE_OPTIONS, entryPoints: { harness: join(root, 'bench/tui-harness.tsx') }, outdir: harnessDir, splitting: true, outExtension: { '.js': '.mjs' } });
  return { cli: join(cliDir, 'cli.js'), harness: join(harnessDir, 'harness.mjs') };
}

/** Ends the bench's private tmux server (every pane started with startInPane). */
export function killTmuxServer() {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
}

function tmux(...args) {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

export function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/**
 * The bench's own cache home (XDG_CACHE_HOME of every pane it starts): proctop's code cache of its
 * main script (src/util/main-script.ts) is made there by the bench's first start (ensureCodeCache
 * in launch.mjs), not taken from whoever ran proctop before on this machine. Removed at exit.
 */
export const BENCH_CACHE_HOME = mkdtempSync(join(tmpdir(), 'proctop-bench-cache-'));
process.on('exit', () => rmSync(BENCH_CACHE_HOME, { recursive: true, force: true }));

/** Starts `command` as the only thing in a fresh 120x40 tmux pane; resolves to its PID (exec keeps it). */
export async function startInPane(name, command, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'proctop-bench-'));
  const pidFile = join(dir, 'pid');
  const envText = Object.entries({ XDG_CACHE_HOME: BENCH_CACHE_HOME, ...env }).map(([k, v]) => `${k}='${v}'`).join(' ');
  const script = `echo $$ > ${pidFile}; exec env -u CI ${envText} ${command}`;
  tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', '-c', root, `bash -c "${script.replace(/"/g, '\\"')}"`);
  const deadline = Date.now() + 10_000;
  while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
    if (Date.now() > deadline) throw new Error(`${command}: no PID after 10 s`);
    await sleep(20);
  }
  return { pid: Number(readFileSync(pidFile, 'utf8').trim()), dir };
}

/** CPU time of a monitor in clock ticks: its own and its reader processes' (proctop reads in one: bench/machine.mjs). */
function cpuTicks(pid) {
  return cpuTicksOf(pid) + readerProcessesOf(pid).reduce((sum, reader) => sum + cpuTicksOf(reader), 0);
}

export function stopPane(name, pid) {
  spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', name]);
  // The pane's process is ours (started above): make sure it is gone.
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already exited with the session
  }
}

/**
 * CPU use of several monitors, each in its own tmux pane, all running at once: the same minutes on
 * the same machine for every monitor, so background noise hits them alike. Each window is
 * [fromS, toS] seconds after launch; a JIT-compiled monitor (proctop) costs more in its first
 * minute, while V8 still optimizes code run once a refresh, than once settled.
 */
async function measureCpuTogether(configs, windows) {
  const panes = [];
  try {
    for (const config of configs) {
      const session = config.name.replace(/[^a-z0-9]/gi, '_');
      panes.push({ session, ...(await startInPane(session, config.command, config.env)) });
    }
    const launchedAt = performance.now();
    const readings = new Map(); // second → ticks per pane, wall time
    const marks = [...new Set(windows.flatMap((w) => [w.fromS, w.toS]))].sort((a, b) => a - b);
    for (const mark of marks) {
      await sleep(Math.max(0, launchedAt + mark * 1000 - performance.now()));
      readings.set(mark, { at: performance.now(), ticks: panes.map((pane) => cpuTicks(pane.pid)) });
    }
    const rss = panes.map((pane) => rssBytes(pane.pid));
    return configs.map((config, i) => ({
      name: config.name,
      kind: config.kind,
      intervalMs: config.intervalMs,
      rssBytes: rss[i],
      windows: windows.map((w) => {
        const from = readings.get(w.fromS);
        const to = readings.get(w.toS);
        const elapsed = (to.at - from.at) / 1000;
        const cpuSeconds = (to.ticks[i] - from.ticks[i]) / CLK_TCK;
        return { perMinute: (cpuSeconds / elapsed) * 60, perRefreshMs: (cpuSeconds * 1000) / (elapsed / (config.intervalMs / 1000)) };
      }),
    }));
  } finally {
    for (const pane of panes) {
      stopPane(pane.session, pane.pid);
      rmSync(pane.dir, { recursive: true, force: true });
    }
  }
}

function btopConfig(updateMs) {
  const dir = mkdtempSync(join(tmpdir(), 'proctop-btop-'));
  mkdirSync(join(dir, 'btop'), { recursive: true });
  if (updateMs !== null) writeFileSync(join(dir, 'btop', 'btop.conf'), `update_ms = ${updateMs}\n`);
  return dir;
}

/** VmRSS of a process in bytes (NaN once it is gone). */
function ownRssBytes(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return Number(line?.split(/\s+/)[1]) * 1024;
  } catch {
    return NaN;
  }
}

/** VmRSS of a monitor in bytes, its reader processes' added (NaN once it is gone). */
export function rssBytes(pid) {
  return ownRssBytes(pid) + readerProcessesOf(pid).reduce((sum, reader) => sum + (ownRssBytes(reader) || 0), 0);
}

/**
 * Runs the section; returns the text the bench driver prints and the figures of the closing table.
 * The three monitors run side by side at ONE interval (1 s; 2 s from 10,000 processes, where a
 * refresh of every monitor takes a good part of a second and six panes would starve each other).
 */
export async function run({ procs = 1000 } = {}) {
  // When the settled window starts: V8 stops optimizing proctop's per-refresh code after ~90 s.
  const settledFromS = Number(process.env.PROCTOP_BENCH_TUI_SETTLED_FROM ?? 90);
  const { cli, harness } = await bundle();
  const { loadavg, cpus } = await import('node:os');
  const lines = [`TUI (tmux panes 120x40, ${procs} extra processes from the farm)`];
  const figures = {};

  const { measureKeypressLatency } = await import(pathToFileURL(harness).href);
  const keypressProcs = Math.max(5000, procs);
  const latency = await measureKeypressLatency({ procs: keypressProcs, presses: 40 });
  Object.assign(figures, { keypressProcs, keypressP95Ms: latency.cursor.p95Ms, keypressCpuP95Ms: latency.cursor.cpuP95Ms, sortP95Ms: latency.sort.p95Ms, sortCpuP95Ms: latency.sort.cpuP95Ms });
  lines.push(
    `  keypress → next frame, ${keypressProcs} processes (in-memory TTY, real Ink render):`,
    `    cursor j/k            median ${fmt(latency.cursor.medianMs, 2)} ms   p95 ${fmt(latency.cursor.p95Ms, 2)} ms   CPU ${fmt(latency.cursor.cpuMedianMs, 2)} ms (p95 ${fmt(latency.cursor.cpuP95Ms, 2)})   (target p95 ≤ 16 ms)`,
    `    sort M/P (re-sort)    median ${fmt(latency.sort.medianMs, 2)} ms   p95 ${fmt(latency.sort.p95Ms, 2)} ms   CPU ${fmt(latency.sort.cpuMedianMs, 2)} ms`,
    `    new frame ingested    median ${fmt(latency.refresh.medianMs, 2)} ms   p95 ${fmt(latency.refresh.p95Ms, 2)} ms   CPU ${fmt(latency.refresh.cpuMedianMs, 2)} ms`,
    `    (load average now ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs: wall figures include waiting for a CPU)`,
  );

  if (!has('tmux')) {
    lines.push('  tmux not installed: startup and CPU-per-minute figures skipped');
    return { text: lines.join('\n'), figures };
  }
  try {
    // Phase by phase: `npm run bench -- --only launch` (bench/launch.mjs).
    const startup = (await measureStartup(cli, 7)).reports.map((report) => report.firstFullFrameMs);
    figures.firstFrameMedianMs = median(startup);
    figures.bareNode = measureBareNode(5);
    lines.push(
      `  launch → first full frame (CPU figures shown): median ${fmt(median(startup), 0)} ms over ${startup.length} runs [${startup.map((ms) => fmt(ms, 0)).join(', ')}] (target ≤ 200 ms; ${bareNodeText(figures.bareNode)})`,
    );

    const intervalMs = procs >= 10_000 ? 2000 : 1000;
    const seconds = intervalMs / 1000;
    const configs = [{ name: `proctop --watch --interval ${seconds}s`, command: `${cli} --watch --interval ${seconds}s`, intervalMs, kind: 'proctop' }];
    const notes = [];
    if (has('htop')) configs.push({ name: `htop -d ${seconds * 10}`, command: `htop -d ${seconds * 10}`, intervalMs, kind: 'htop' });
    else notes.push('htop not installed (apt-get install -y htop)');
    const btopDirs = [];
    if (has('btop')) {
      const dir = btopConfig(intervalMs);
      btopDirs.push(dir);
      configs.push({ name: `btop update_ms=${intervalMs}`, command: 'btop', intervalMs, env: { XDG_CONFIG_HOME: dir }, kind: 'btop' });
    } else notes.push('btop not installed (apt-get install -y btop)');
    const windows = [
      // The issue's unit is CPU seconds per minute: a first minute (past launch) and a settled one.
      { label: 'first minute (3-63 s)', fromS: 3, toS: 63 },
      { label: `settled (${settledFromS}-${settledFromS + 60} s)`, fromS: settledFromS, toS: settledFromS + 60 },
    ];
    lines.push(`  CPU use in a tmux pane, all ${configs.length} monitors running side by side (same minutes, same machine):`);
    lines.push(`    ${''.padEnd(32)} ${windows.map((w) => w.label.padStart(24)).join('')}${'RSS at end'.padStart(12)}`);
    lines.push(`    ${'monitor'.padEnd(32)} ${windows.map(() => `${'CPU-s/min'.padStart(11)}${'ms/refresh'.padStart(13)}`).join('')}`);
    const results = await measureCpuTogether(configs, windows);
    for (const r of results) {
      const rss = r.rssBytes / 2 ** 20;
      lines.push(`    ${r.name.padEnd(32)} ${r.windows.map((w) => `${fmt(w.perMinute, 2).padStart(11)}${fmt(w.perRefreshMs, 1).padStart(13)}`).join('')}${`${fmt(rss)} MB`.padStart(12)}`);
    }
    for (const dir of btopDirs) rmSync(dir, { recursive: true, force: true });
    const of = (kind) => results.find((r) => r.kind === kind);
    figures.rssBytes = of('proctop')?.rssBytes;
    figures.htopRssBytes = of('htop')?.rssBytes ?? NaN;
    figures.btopRssBytes = of('btop')?.rssBytes ?? NaN;
    figures.cpuWindows = windows.map((w, i) => ({
      label: w.label,
      intervalMs,
      proctopMs: of('proctop')?.windows[i].perRefreshMs ?? NaN,
      htopMs: of('htop')?.windows[i].perRefreshMs ?? NaN,
      btopMs: of('btop')?.windows[i].perRefreshMs ?? NaN,
    }));
    for (const w of figures.cpuWindows) {
      lines.push(`    per refresh, ${w.label}: proctop / htop ${fmt(w.proctopMs / w.htopMs, 2)}×, proctop / btop ${fmt(w.proctopMs / w.btopMs, 2)}×`);
    }
    for (const note of notes) lines.push(`    ${note}`);
  } finally {
    killTmuxServer();
  }
  return { text: lines.join('\n'), figures };
}

// Standalone: bring our own farm of idle processes.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--procs');
  const procs = at > 0 ? Number(process.argv[at + 1]) : 1000;
  const { startFarm } = await import('./farm.mjs');
  const farm = await startFarm(procs);
  try {
    console.log((await run({ procs })).text);
  } finally {
    await farm.stop();
  }
}
