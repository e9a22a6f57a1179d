// Bench section "metrics": CPU per scrape of `proctop serve-metrics` and of process-exporter
// (Debian's prometheus-process-exporter), side by side on the same farm, same families (no smaps,
// no per-thread families) and the same grouping (comm), plus how long a scrape takes to answer.
// Both run at once and are scraped one after the other every PERIOD (or back to back when a scrape
// takes longer) for SCRAPES rounds. process-exporter reads /proc at every scrape; proctop samples
// in the background every PERIOD (--interval) and answers scrapes from the last sample. So the
// figure compared is the CPU of one full read of every process: process-exporter's CPU per
// scrape, proctop's CPU per background sample (its own proctop_samples_total counts them; the
// scrapes it answered meanwhile are included in its CPU).
// Run from `npm run bench -- --only metrics [--procs N]`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../scripts/esbuild-options.mjs';
import { binDir } from './compile.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const PERIOD_MS = 2000;
const SCRAPES = 15;
const WARMUP_SCRAPES = 2;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** utime + stime of a process (all its threads), in ms. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitServing(url, child, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the exporter exited (${child.exitCode})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
      if (response.status === 200) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not serving after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One scrape: wall ms and body size. */
async function scrape(url) {
  const start = performance.now();
  const response = await fetch(url, { headers: { accept: 'text/plain;version=0.0.4' }, signal: AbortSignal.timeout(120_000) });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  return { ms: performance.now() - start, bytes: body.length, body };
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Bundles the CLI into bench/bin (dist/ is rebuilt by `npm test` concurrently). */
async function bundleCli() {
  const outdir = join(binDir, 'metrics-cli');
  rmSync(outdir, { recursive: true, force: true });
  await build({ ...BUNDLE_OPTIONS, entryPoints: { cli: join(root, 'src/cli.tsx'), 'metrics-worker': join(root, 'src/metrics/sampler-worker-main.ts') }, outdir, splitting: true, chunkNames: 'chunks/[name]-[hash]' });
  return join(outdir, 'cli.js');
}

function counterOf(body, name) {
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : NaN;
}

/** The comm of every process now (invalid UTF-8 decoded as U+FFFD). */
function listComms() {
  const comms = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      comms.push(readFileSync(`/proc/${name}/comm`, 'utf8').replace(/\n$/, ''));
    } catch {
      // gone
    }
  }
  return comms;
}

function numProcsOf(body, group) {
  const line = body.split('\n').find((l) => l.startsWith(`namedprocess_namegroup_num_procs{groupname="${group}"}`));
  return line ? Number(line.split(' ').pop()) : null;
}

export async function run({ procs }) {
  if (spawnSync('prometheus-process-exporter', ['-version'], { stdio: 'ignore' }).error) {
    return 'metrics: prometheus-process-exporter is not installed (apt install prometheus-process-exporter); section skipped';
  }
  const cli = await bundleCli();
  const dir = mkdtempSync(join(tmpdir(), 'proctop-bench-metrics-'));
  const config = join(dir, 'process-exporter.yml');
  // Every process named by comm, as proctop groups them. process-exporter 0.7 panics (and serves
  // nothing) on a comm that is not valid UTF-8, which other test suites on a shared box create on
  // purpose: so it is told the comms present now, minus such names (processes that appear later
  // under other names are ignored by it after one stat read).
  const comms = [...new Set(listComms())].filter((c) => !/[\x00-\x1f\x7f\ufffd"\\]/.test(c));
  writeFileSync(config, `process_names:\n  - name: "{{.Comm}}"\n    comm:\n${comms.map((c) => `    - ${JSON.stringify(c)}\n`).join('')}`);
  const [ptPort, pePort] = await Promise.all([freePort(), freePort()]);
  const proctop = spawn(process.execPath, [cli, 'serve-metrics', '--listen', `127.0.0.1:${ptPort}`, '--interval', `${PERIOD_MS}ms`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let ptErr = '';
  proctop.stderr.on('data', (d) => (ptErr += d));
  const pe = spawn('prometheus-process-exporter', [`-config.path=${config}`, `-web.listen-address=127.0.0.1:${pePort}`, '-gather-smaps=false', '-threads=false'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let peErr = '';
  pe.stderr.on('data', (d) => (peErr += d));
  const urls = { proctop: `http://127.0.0.1:${ptPort}/metrics`, pe: `http://127.0.0.1:${pePort}/metrics` };
  try {
    await Promise.all([waitServing(urls.proctop, proctop), waitServing(urls.pe, pe)]);
    const latency = { proctop: [], pe: [] };
    let farmGroup = { proctop: null, pe: null };
    let first = null;
    for (let round = 0; round < WARMUP_SCRAPES + SCRAPES; round++) {
      const started = performance.now();
      if (round === WARMUP_SCRAPES) first = { proctop: cpuMs(proctop.pid), pe: cpuMs(pe.pid), samples: null };
      // One after the other, so neither scrape competes with the other for the CPU.
      const a = await scrape(urls.pe);
      const b = await scrape(urls.proctop);
      if (round === WARMUP_SCRAPES) first.samples = counterOf(b.body, 'proctop_samples_total');
      if (round >= WARMUP_SCRAPES) {
        latency.pe.push(a.ms);
        latency.proctop.push(b.ms);
      }
      farmGroup = { proctop: numProcsOf(b.body, 'farm'), pe: numProcsOf(a.body, 'farm') };
      await new Promise((r) => setTimeout(r, Math.max(0, PERIOD_MS - (performance.now() - started))));
    }
    const lastBody = (await scrape(urls.proctop)).body;
    const samples = counterOf(lastBody, 'proctop_samples_total') - first.samples;
    const ptCpu = (cpuMs(proctop.pid) - first.proctop) / samples;
    // process-exporter's last scrape was the loop's last one: SCRAPES scrapes since `first`.
    const peCpu = (cpuMs(pe.pid) - first.pe) / SCRAPES;
    const lines = [
      `Metrics: CPU per scrape, serve-metrics vs process-exporter 0.7 (N=${procs} farm processes; "farm" group: proctop ${farmGroup.proctop}, process-exporter ${farmGroup.pe} procs)`,
      `scrapes every ${PERIOD_MS / 1000}s (back to back when slower), ${SCRAPES} after ${WARMUP_SCRAPES} warm-up; proctop --interval ${PERIOD_MS / 1000}s; same families (no smaps, no per-thread), grouping by comm`,
      '',
      '| exporter | CPU ms per full read of /proc | scrape answered in, median / p95 ms |',
      '|---|---:|---:|',
      `| proctop serve-metrics (per background sample, ${samples} samples) | ${ptCpu.toFixed(1)} | ${median(latency.proctop).toFixed(2)} / ${percentile(latency.proctop, 0.95).toFixed(2)} |`,
      `| process-exporter (per scrape, ${SCRAPES} scrapes) | ${peCpu.toFixed(1)} | ${median(latency.pe).toFixed(1)} / ${percentile(latency.pe, 0.95).toFixed(1)} |`,
      '',
      `ratio proctop / process-exporter CPU per scrape: ${(ptCpu / peCpu).toFixed(2)} (target <= 1 at N=5000); load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}`,
    ];
    return lines.join('\n');
  } catch (error) {
    throw new Error(`${error.message}\nproctop said: ${ptErr.slice(-500)}${peErr ? `\nprocess-exporter said: ${peErr.slice(-500)}` : ''}`);
  } finally {
    await Promise.all([stop(proctop), stop(pe)]);
    rmSync(dir, { recursive: true, force: true });
  }
}
