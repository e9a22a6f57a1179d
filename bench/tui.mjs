// TUI section of `npm run bench`: keypress→frame latency with 5,000 processes, launch→first full
// frame, and CPU cost of `proctop --watch` in a tmux pane next to htop and btop run the same way.
// Standalone: `node bench/tui.mjs [--procs N]` starts its own process farm.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../scripts/esbuild-options.mjs';

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
async function bundle() {
  mkdirSync(binDir, { recursive: true });
  const cliDir = join(binDir, 'tui-cli');
  rmSync(cliDir, { recursive: true, force: true });
  await build({ ...BUNDLE_OPTIONS, entryPoints: { cli: join(root, 'src/cli.tsx') }, outdir: cliDir, splitting: true, chunkNames: 'chunks/[name]-[hash]' });
  // Split like the CLI so Ink's lazily imported devtools (and react-devtools-core) never load.
  const harnessDir = join(binDir, 'tui-harness');
  rmSync(harnessDir, { recursive: true, force: true });
  await build({ ...BUNDLE_OPTIONS, entryPoints: { harness: join(root, 'bench/tui-harness.tsx') }, outdir: harnessDir, splitting: true, outExtension: { '.js': '.mjs' } });
  return { cli: join(cliDir, 'cli.js'), harness: join(harnessDir, 'harness.mjs') };
}

function tmux(...args) {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** Starts `command` as the only thing in a fresh 120x40 tmux pane; resolves to its PID (exec keeps it). */
async function startInPane(name, command, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'proctop-bench-'));
  const pidFile = join(dir, 'pid');
  const envText = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(' ');
  const script = `echo $$ > ${pidFile}; exec env -u CI ${envText} ${command}`;
  tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', '-c', root, `bash -c "${script.replace(/"/g, '\\"')}"`);
  const deadline = Date.now() + 10_000;
  while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
    if (Date.now() > deadline) throw new Error(`${command}: no PID after 10 s`);
    await sleep(20);
  }
  return { pid: Number(readFileSync(pidFile, 'utf8').trim()), dir };
}

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
}

function stopPane(name, pid) {
  spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', name]);
  // The pane's process is ours (started above): make sure it is gone.
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already exited with the session
  }
}

/** Launch → first full frame (CPU figures on screen), as reported by proctop itself. */
async function measureStartup(cli, runs) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'proctop-startup-'));
    const reportFile = join(dir, 'first-frame');
    const { pid, dir: pidDir } = await startInPane(`startup${i}`, `node ${cli}`, { PROCTOP_STARTUP_REPORT: reportFile });
    const deadline = Date.now() + 10_000;
    while (!existsSync(reportFile) && Date.now() < deadline) await sleep(20);
    if (existsSync(reportFile)) results.push(Number(readFileSync(reportFile, 'utf8')));
    stopPane(`startup${i}`, pid);
    rmSync(dir, { recursive: true, force: true });
    rmSync(pidDir, { recursive: true, force: true });
    await sleep(200);
  }
  return results;
}

/** Bare `node -e 0` start to exit, for scale. */
function measureBareNode(runs) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    results.push(performance.now() - start);
  }
  return results;
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
    return configs.map((config, i) => ({
      name: config.name,
      intervalMs: config.intervalMs,
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

/** Runs the section; returns the text the bench driver prints. */
export async function run({ procs = 1000 } = {}) {
  // When the settled window starts: V8 stops optimizing proctop's per-refresh code after ~90 s.
  const settledFromS = Number(process.env.PROCTOP_BENCH_TUI_SETTLED_FROM ?? 90);
  const { cli, harness } = await bundle();
  const lines = [`TUI (tmux panes 120x40, ${procs} extra processes from the farm)`];

  const { measureKeypressLatency } = await import(pathToFileURL(harness).href);
  const latency = await measureKeypressLatency({ procs: 5000, presses: 40 });
  lines.push(
    `  keypress → next frame, 5,000 processes (in-memory TTY, real Ink render):`,
    `    cursor j/k            median ${fmt(latency.cursor.medianMs, 2)} ms   p95 ${fmt(latency.cursor.p95Ms, 2)} ms   CPU ${fmt(latency.cursor.cpuMedianMs, 2)} ms   (target < 16 ms)`,
    `    sort M/P (re-sort)    median ${fmt(latency.sort.medianMs, 2)} ms   p95 ${fmt(latency.sort.p95Ms, 2)} ms   CPU ${fmt(latency.sort.cpuMedianMs, 2)} ms`,
    `    new frame ingested    median ${fmt(latency.refresh.medianMs, 2)} ms   p95 ${fmt(latency.refresh.p95Ms, 2)} ms   CPU ${fmt(latency.refresh.cpuMedianMs, 2)} ms`,
    `    (load average now ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs: wall figures include waiting for a CPU)`,
  );

  if (!has('tmux')) {
    lines.push('  tmux not installed: startup and CPU-per-minute figures skipped');
    return lines.join('\n');
  }
  try {
    const startup = await measureStartup(cli, 7);
    const bare = measureBareNode(5);
    lines.push(
      `  launch → first full frame (CPU figures shown): median ${fmt(median(startup), 0)} ms over ${startup.length} runs (target ≤ 350 ms; bare node -e 0: ${fmt(median(bare), 0)} ms)`,
    );

    const configs = [
      { name: 'proctop --watch', command: `node ${cli} --watch`, intervalMs: 1500 },
      { name: 'proctop --watch --interval 1s', command: `node ${cli} --watch --interval 1s`, intervalMs: 1000 },
    ];
    const notes = [];
    if (has('htop')) {
      configs.push({ name: 'htop (default 1.5 s)', command: 'htop', intervalMs: 1500 }, { name: 'htop -d 10 (1 s)', command: 'htop -d 10', intervalMs: 1000 });
    } else notes.push('htop not installed (apt-get install -y htop)');
    const btopDirs = [];
    if (has('btop')) {
      const defaults = btopConfig(null);
      const oneSecond = btopConfig(1000);
      btopDirs.push(defaults, oneSecond);
      configs.push(
        { name: 'btop (default 2 s)', command: 'btop', intervalMs: 2000, env: { XDG_CONFIG_HOME: defaults } },
        { name: 'btop update_ms=1000', command: 'btop', intervalMs: 1000, env: { XDG_CONFIG_HOME: oneSecond } },
      );
    } else notes.push('btop not installed (apt-get install -y btop)');
    const windows = [
      // The issue's unit is CPU seconds per minute: a first minute (past launch) and a settled one.
      { label: 'first minute (3-63 s)', fromS: 3, toS: 63 },
      { label: `settled (${settledFromS}-${settledFromS + 60} s)`, fromS: settledFromS, toS: settledFromS + 60 },
    ];
    lines.push(`  CPU use in a tmux pane, all ${configs.length} monitors running side by side (same minutes, same machine):`);
    lines.push(`    ${''.padEnd(32)} ${windows.map((w) => w.label.padStart(24)).join('')}`);
    lines.push(`    ${'monitor'.padEnd(32)} ${windows.map(() => `${'CPU-s/min'.padStart(11)}${'ms/refresh'.padStart(13)}`).join('')}`);
    const results = await measureCpuTogether(configs, windows);
    for (const r of results) {
      lines.push(`    ${r.name.padEnd(32)} ${r.windows.map((w) => `${fmt(w.perMinute, 2).padStart(11)}${fmt(w.perRefreshMs, 1).padStart(13)}`).join('')}`);
    }
    for (const dir of btopDirs) rmSync(dir, { recursive: true, force: true });
    const ratio = (ourName, peerPrefix) => {
      const ours = results.find((r) => r.name === ourName);
      const peer = results.find((r) => r.name.startsWith(peerPrefix));
      return ours && peer ? windows.map((w, i) => `${fmt(ours.windows[i].perRefreshMs / peer.windows[i].perRefreshMs, 2)}× ${w.label}`).join(', ') : null;
    };
    const atDefaults = ratio('proctop --watch', 'htop (default');
    const atOneSecond = ratio('proctop --watch --interval 1s', 'htop -d 10');
    if (atDefaults) lines.push(`    per refresh, proctop / htop at defaults: ${atDefaults} (target < 1)`);
    if (atOneSecond) lines.push(`    per refresh, proctop / htop at 1 s:      ${atOneSecond} (target < 1)`);
    for (const note of notes) lines.push(`    ${note}`);
  } finally {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  }
  return lines.join('\n');
}

// Standalone: bring our own farm of idle processes.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--procs');
  const procs = at > 0 ? Number(process.argv[at + 1]) : 1000;
  const { startFarm } = await import('./farm.mjs');
  const farm = await startFarm(procs);
  try {
    console.log(await run({ procs }));
  } finally {
    await farm.stop();
  }
}
