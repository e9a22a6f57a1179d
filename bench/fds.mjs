// Bench section "open files": list a process holding 10,000 fds of mixed kinds (files, pipes,
// unix socket pairs, TCP connections, eventfds) with the native addon, the JS fallback,
// `lsof -n -P -p PID`, and a minimal C readlink loop (the floor), interleaved round by round.
// Run standalone with `node bench/fds.mjs [--fds N] [--runs R]`, or from `npm run bench`.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { binDir, compileC } from './compile.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Bundles the JS fallback reader and the native listing decoder into bench/bin (tsx-free, independent of dist/). */
async function loadJsReader() {
  const outfile = join(binDir, 'fds-lib.mjs');
  await build({
    stdin: { contents: "export { listFdsJs } from './src/sys/js/fds.ts'; export { unpackFdListing } from './src/sys/native-fds.ts';", resolveDir: root, loader: 'ts' },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}

function startHolder(count) {
  const child = spawn('python3', [join(root, 'test/fixtures/many-fds-holder.py'), String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error('fd holder not ready after 60 s')), 60_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('ready\n')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`fd holder exited (${code}) before ready`)));
  });
}

function hasLsof() {
  return spawnSync('lsof', ['-v'], { stdio: 'ignore' }).error === undefined;
}

/** Wall time and this process's CPU time (all threads: the addon's workers count too). */
export async function timeAsync(fn) {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const cpu = process.cpuUsage(cpuStart);
  return { ms: performance.now() - start, cpuMs: (cpu.user + cpu.system) / 1000, value };
}

export async function run({ procs = 0, fds = 10_000, runs = 15 } = {}) {
  const floor = compileC('floor-fds');
  const require = createRequire(import.meta.url);
  const addon = require(join(root, 'build/Release/proctop.node'));
  const { listFdsJs, unpackFdListing } = await loadJsReader();
  const lsof = hasLsof();
  const holder = await startHolder(fds);
  const pid = holder.pid;
  // What the native collector does: the addon's columns decoded into FdEntry objects.
  const nativeListFds = async (options) => unpackFdListing(await addon.listFds('/proc', pid, options));
  const times = { floor: [], nativeSockets: [], nativePeers: [], js: [], lsof: [] };
  const cpu = { floor: [], nativeSockets: [], nativePeers: [], js: [], lsof: [] };
  let listed = 0;
  let resolvedSockets = 0;
  let sockets = 0;
  let lsofLines = 0;
  try {
    for (let round = 0; round < runs; round++) {
      const floorRun = spawnSync(floor, [String(pid), '1'], { encoding: 'utf8' });
      if (floorRun.status !== 0) throw new Error(`floor-fds failed: ${floorRun.stderr}`);
      const floorResult = JSON.parse(floorRun.stdout);
      times.floor.push(floorResult.median_ms);
      cpu.floor.push(floorResult.median_cpu_ms);

      const native = await timeAsync(() => nativeListFds({ pipePeers: false }));
      times.nativeSockets.push(native.ms);
      cpu.nativeSockets.push(native.cpuMs);
      listed = native.value.fds.length;
      sockets = native.value.fds.filter((e) => e.kind === 'socket').length;
      resolvedSockets = native.value.fds.filter((e) => e.socket !== null).length;

      const peers = await timeAsync(() => nativeListFds({ pipePeers: true }));
      times.nativePeers.push(peers.ms);
      cpu.nativePeers.push(peers.cpuMs);
      // The JS fallback is slow; a third of the rounds give a stable median.
      if (round % 3 === 0) {
        const js = await timeAsync(() => listFdsJs('/proc', pid, { pipePeers: false }));
        times.js.push(js.ms);
        cpu.js.push(js.cpuMs);
      }
      if (lsof) {
        const start = performance.now();
        const result = spawnSync('lsof', ['-n', '-P', '-p', String(pid)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        times.lsof.push(performance.now() - start);
        lsofLines = result.stdout.split('\n').length - 2;
      }
    }
  } finally {
    holder.kill('SIGKILL');
  }

  const floorMs = median(times.floor);
  const floorCpuMs = median(cpu.floor);
  const row = (name, key, note) => {
    const ms = median(times[key]);
    const cpuCells = cpu[key].length > 0 ? `${median(cpu[key]).toFixed(1)} | ${(median(cpu[key]) / floorCpuMs).toFixed(2)}x` : '- | -';
    return `| ${name} | ${ms.toFixed(1)} | ${(ms / floorMs).toFixed(2)}x | ${cpuCells} | ${note} |`;
  };
  const processes = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).length;
  const lines = [
    `## Open files: one process holding ${listed} fds (${runs} rounds interleaved, medians; ${processes} processes on the box, load ${loadavg()[0].toFixed(1)})`,
    '',
    '| reader | wall ms | wall vs floor | CPU ms | CPU vs floor | notes |',
    '|---|---:|---:|---:|---:|---|',
    row('floor: C readdir + readlinkat loop', 'floor', 'kind only, nothing resolved'),
    row('native listFds', 'nativeSockets', `${resolvedSockets}/${sockets} sockets resolved, fdinfo for files, JS objects built`),
    row('native listFds + pipe peers', 'nativePeers', 'also scans every process for the other pipe ends (lsof +E)'),
    row('JS fallback listFdsJs', 'js', `${times.js.length} rounds`),
    lsof ? row('lsof -n -P -p PID', 'lsof', `${lsofLines} lines; wall includes exec`) : '| lsof | - | - | - | - | not installed (apt-get install -y lsof) |',
    '',
    `target: native within 1.5x of the floor while resolving sockets: ${(median(times.nativeSockets) / floorMs).toFixed(2)}x wall, ` +
      `${(median(cpu.nativeSockets) / floorCpuMs).toFixed(2)}x CPU` +
      (lsof ? `; ${(median(times.lsof) / median(times.nativeSockets)).toFixed(1)}x faster than lsof` : ''),
  ];
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const option = (flag, fallback) => {
    const index = args.indexOf(flag);
    return index >= 0 ? Number(args[index + 1]) : fallback;
  };
  console.log(await run({ fds: option('--fds', 10_000), runs: option('--runs', 15) }));
}
