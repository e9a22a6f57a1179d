// Bench section "metrics": CPU per scrape of `proctop serve-metrics` and of process-exporter
// (Debian's prometheus-process-exporter), side by side on the same farm, same families (no smaps,
// no per-thread families) and the same grouping (comm), plus how long a scrape takes to answer.
// Both run at once and are scraped one after the other every PERIOD (or back to back when a scrape
// takes longer) for SCRAPES rounds. process-exporter reads /proc at every scrape; proctop samples
// on its sampler thread every PERIOD (--interval) and answers scrapes from the last sample. So the
// figure compared is the CPU of one full read of every process: process-exporter's CPU per
// scrape, proctop's CPU per background sample (its own proctop_samples_total counts them; the
// scrapes it answered meanwhile are included in its CPU). Then proctop alone is scraped every
// LATENCY_EVERY_MS for the scrape latency, split out for the scrapes that land while a sample is in
// progress. Measured at the bench's N and again at N=5,000 (a second farm makes up the difference).
// Run from `npm run bench -- --only metrics [--procs N]`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../scripts/esbuild-options.mjs';
import { binDir } from './compile.mjs';
import { startFarm } from './farm.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const PERIOD_MS = 2000;
const SCRAPES = 15;
const WARMUP_SCRAPES = 2;
/** After the paired scrapes, proctop alone is scraped this often for LATENCY_PERIODS intervals (latency, also while sampling). */
const LATENCY_EVERY_MS = 100;
const LATENCY_PERIODS = 6;
const TARGET_N = 5000;
const LATENCY_TARGET_MS = 5;

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
  const worker = join(root, 'src/metrics/sampler-worker-main.ts');
  // The sampler thread's entry beside the CLI, as in dist/ (absent before serve-metrics had one: the bench also runs on older trees).
  const entryPoints = existsSync(worker) ? { cli: join(root, 'src/cli.tsx'), 'metrics-worker': worker } : { cli: join(root, 'src/cli.tsx') };
  await build({ ...BUNDLE_OPTIONS, entryPoints, outdir, splitting: true, chunkNames: 'chunks/[name]-[hash]' });
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

/** VmRSS of a process, in MB. */
function rssMb(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN;
}

/**
 * Both exporters on the box as it is (the farm counted in `farmSize`): CPU per full read from the
 * paired scrapes (one per PERIOD), then how long proctop takes to answer: scraped alone every
 * LATENCY_EVERY_MS, so many scrapes land while its background sample runs. A scrape whose
 * proctop_sample_age_seconds is at least the interval was answered while the next sample was in
 * progress (the sampler starts it `interval` after the last one finished).
 */
async function measure(cli, farmSize) {
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
    progress(`N=${farmSize}: both exporters serving; ${WARMUP_SCRAPES + SCRAPES} paired scrapes`);
    const latency = { proctop: [], duringSample: [], floor: [], pe: [] };
    let farmGroup = { proctop: null, pe: null };
    let boxProcs = 0;
    let first = null;
    for (let round = 0; round < WARMUP_SCRAPES + SCRAPES; round++) {
      const started = performance.now();
      if (round === WARMUP_SCRAPES) first = { proctop: cpuMs(proctop.pid), pe: cpuMs(pe.pid), samples: null };
      // One after the other, so neither scrape competes with the other for the CPU.
      const a = await scrape(urls.pe);
      const b = await scrape(urls.proctop);
      if (round === WARMUP_SCRAPES) first.samples = counterOf(b.body, 'proctop_samples_total');
      if (round >= WARMUP_SCRAPES) latency.pe.push(a.ms);
      farmGroup = { proctop: numProcsOf(b.body, 'farm-member'), pe: numProcsOf(a.body, 'farm-member') };
      boxProcs = sumOf(b.body, 'namedprocess_namegroup_num_procs');
      await new Promise((r) => setTimeout(r, Math.max(0, PERIOD_MS - (performance.now() - started))));
    }
    const lastBody = (await scrape(urls.proctop)).body;
    const samples = counterOf(lastBody, 'proctop_samples_total') - first.samples;
    const cpu = { proctop: (cpuMs(proctop.pid) - first.proctop) / samples, pe: (cpuMs(pe.pid) - first.pe) / SCRAPES };
    progress(`N=${farmSize}: CPU figures taken; scrape latency for ${(LATENCY_PERIODS * PERIOD_MS) / 1000}s`);
    // Latency phase: proctop alone (process-exporter idles between scrapes), every LATENCY_EVERY_MS,
    // each scrape followed by one of the floor: a bare Node HTTP server answering the same body,
    // which shows what this box gives any Node server at this moment.
    const floor = await startFloorServer(dir, lastBody);
    try {
      const phaseStart = performance.now();
      while (performance.now() - phaseStart < LATENCY_PERIODS * PERIOD_MS) {
        const c = await scrape(urls.proctop);
        latency.proctop.push(c.ms);
        if (counterOf(c.body, 'proctop_sample_age_seconds') * 1000 >= PERIOD_MS) latency.duringSample.push(c.ms);
        latency.floor.push((await scrape(floor.url)).ms);
        await new Promise((r) => setTimeout(r, LATENCY_EVERY_MS));
      }
    } finally {
      await stop(floor.child);
    }
    return {
      farmSize,
      boxProcs,
      farmGroup,
      samples,
      ptCpu: cpu.proctop,
      peCpu: cpu.pe,
      ptRss: rssMb(proctop.pid),
      peRss: rssMb(pe.pid),
      latency,
    };
  } catch (error) {
    throw new Error(`${error.message}\nproctop said: ${ptErr.slice(-500)}${peErr ? `\nprocess-exporter said: ${peErr.slice(-500)}` : ''}`);
  } finally {
    await Promise.all([stop(proctop), stop(pe)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A bare Node HTTP server (a process of its own) answering `body` from memory: the latency floor. */
async function startFloorServer(dir, body) {
  const bodyFile = join(dir, 'floor-body.txt');
  writeFileSync(bodyFile, body);
  const port = await freePort();
  const script = `const body=require('fs').readFileSync(${JSON.stringify(bodyFile)});require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'text/plain; version=0.0.4'});s.end(body)}).listen(${port},'127.0.0.1')`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/metrics`;
  await waitServing(url, child);
  return { child, url };
}

function sumOf(body, name) {
  return body
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** Progress on stderr: a section at N=5,000 on a busy box runs for minutes. */
function progress(text) {
  console.error(`bench metrics: ${text}`);
}

const mark = (ok) => (ok ? '✓' : '✗');
const ms = (v) => (v === undefined ? '-' : v.toFixed(2));

export async function run({ procs }) {
  if (spawnSync('prometheus-process-exporter', ['-version'], { stdio: 'ignore' }).error) {
    return 'metrics: prometheus-process-exporter is not installed (apt install prometheus-process-exporter); section skipped';
  }
  const cli = await bundleCli();
  // The issue's figures are at N=1,000 and N=5,000: the bench's farm first, then grown to 5,000
  // with a second farm when it is smaller.
  const rows = [await measure(cli, procs)];
  if (procs < TARGET_N) {
    progress(`growing the farm to ${TARGET_N}`);
    const extra = await startFarm(TARGET_N - procs);
    try {
      rows.push(await measure(cli, TARGET_N));
    } finally {
      await extra.stop();
    }
  }
  const lines = [
    `Metrics: serve-metrics vs process-exporter 0.7, side by side on the same box, same families (no smaps, no per-thread), grouping by comm`,
    `paired scrapes every ${PERIOD_MS / 1000}s, ${SCRAPES} after ${WARMUP_SCRAPES} warm-up, proctop --interval ${PERIOD_MS / 1000}s; then proctop alone scraped every ${LATENCY_EVERY_MS} ms for ${(LATENCY_PERIODS * PERIOD_MS) / 1000}s`,
    `CPU: process-exporter per scrape, proctop per background sample (the scrapes it answered meanwhile included). Latency: wall time of the bench's own HTTP GET, on this box; the floor is the same GET of a bare Node server holding the same body, right after each proctop scrape.`,
    `Targets: CPU ratio <= 1 at N=${TARGET_N}; a scrape answered in < ${LATENCY_TARGET_MS} ms from the last sample (median and p95, also for the scrapes that landed while a sample was in progress)`,
    '',
    '| N farm (box procs) | proctop CPU ms / sample | process-exporter CPU ms / scrape | ratio | proctop scrape median / p95 ms (n) | while sampling median / p95 ms (n) | floor: bare Node server, same body, median / p95 ms | process-exporter scrape median ms | RSS MB proctop / process-exporter |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ratio = r.ptCpu / r.peCpu;
    const all = r.latency.proctop;
    const during = r.latency.duringSample;
    const lat = (values) =>
      values.length === 0
        ? 'none'
        : `${ms(median(values))} ${mark(median(values) < LATENCY_TARGET_MS)} / ${ms(percentile(values, 0.95))} ${mark(percentile(values, 0.95) < LATENCY_TARGET_MS)} (${values.length})`;
    lines.push(
      `| ${r.farmSize} (${r.boxProcs}; farm group ${r.farmGroup.proctop} / ${r.farmGroup.pe}) | ${r.ptCpu.toFixed(1)} | ${r.peCpu.toFixed(1)} | ${ratio.toFixed(2)}${r.farmSize >= TARGET_N ? ` ${mark(ratio <= 1)}` : ''} | ${lat(all)} | ${lat(during)} | ${ms(median(r.latency.floor))} / ${ms(percentile(r.latency.floor, 0.95))} | ${median(r.latency.pe).toFixed(1)} | ${r.ptRss.toFixed(0)} / ${r.peRss.toFixed(0)} |`,
    );
  }
  lines.push('', `load average ${loadavg().map((v) => v.toFixed(1)).join(' ')} on ${cpus().length} CPUs (the figures are only as quiet as the box)`);
  return lines.join('\n');
}
