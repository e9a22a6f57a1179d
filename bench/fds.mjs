// Bench section "open files": list a process holding 10,000 fds of mixed kinds (files, pipes,
// unix socket pairs, TCP connections, eventfds) with the native addon, the JS fallback,
// `lsof -n -P -p PID`, and a minimal C readlink loop (the floor), interleaved round by round.
// Run standalone with `node bench/fds.mjs [--fds N] [--runs R]`, or from `npm run bench`.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { binDir, compileC } from './compile.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Bundles the JS fallback reader into bench/bin (tsx-free, independent of dist/). */
async function loadJsReader() {
  const outfile = join(binDir, 'fds-lib.mjs');
  await build({
    stdin: { contents: "export { listFdsJs } from './src/sys/js/fds.ts';", resolveDir: root, loader: 'ts' },
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

async function timeAsync(fn) {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export async function run({ procs = 0, fds = 10_000, runs = 15 } = {}) {
  const floor = compileC('floor-fds');
  const require = createRequire(import.meta.url);
  const addon = require(join(root, 'build/Release/proctop.node'));
  const { listFdsJs } = await loadJsReader();
  const lsof = hasLsof();
  const holder = await startHolder(fds);
  const pid = holder.pid;
  const times = { floor: [], nativeSockets: [], nativePeers: [], js: [], lsof: [] };
  let listed = 0;
  let resolvedSockets = 0;
  let sockets = 0;
  let lsofLines = 0;
  try {
    for (let round = 0; round < runs; round++) {
      const floorRun = spawnSync(floor, [String(pid), '1'], { encoding: 'utf8' });
      if (floorRun.status !== 0) throw new Error(`floor-fds failed: ${floorRun.stderr}`);
      times.floor.push(JSON.parse(floorRun.stdout).median_ms);

      const native = await timeAsync(() => addon.listFds('/proc', pid, { pipePeers: false }));
      times.nativeSockets.push(native.ms);
      listed = native.value.fds.length;
      sockets = native.value.fds.filter((e) => e.kind === 'socket').length;
      resolvedSockets = native.value.fds.filter((e) => e.socket !== null).length;

      times.nativePeers.push((await timeAsync(() => addon.listFds('/proc', pid, { pipePeers: true }))).ms);
      // The JS fallback is slow; a third of the rounds give a stable median.
      if (round % 3 === 0) times.js.push((await timeAsync(() => listFdsJs('/proc', pid, { pipePeers: false }))).ms);
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
  const row = (name, values, note) => {
    const ms = median(values);
    return `| ${name} | ${ms.toFixed(1)} | ${(ms / floorMs).toFixed(2)}x | ${note} |`;
  };
  const lines = [
    `## Open files: one process holding ${listed} fds (${runs} rounds, median; ${procs} farm processes alive)`,
    '',
    '| reader | ms | vs floor | notes |',
    '|---|---:|---:|---|',
    row('floor: C readdir + readlinkat loop', times.floor, 'kind only, nothing resolved'),
    row('native listFds', times.nativeSockets, `${resolvedSockets}/${sockets} sockets resolved, fdinfo for files, JS objects built`),
    row('native listFds + pipe peers', times.nativePeers, 'also scans every process for the other pipe ends'),
    row('JS fallback listFdsJs', times.js, `${times.js.length} rounds`),
    lsof ? row('lsof -n -P -p PID', times.lsof, `${lsofLines} lines`) : '| lsof | - | - | not installed (apt-get install -y lsof) |',
    '',
    `target: native within 1.5x of the floor while resolving sockets: ${(median(times.nativeSockets) / floorMs).toFixed(2)}x` +
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
