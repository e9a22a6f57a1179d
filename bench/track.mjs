// Bench section "track": `proctop track list` over a registry of 10,000 entries against one
// process snapshot, the cost it cannot avoid (the live figures come from one snapshot). In
// process, interleaved round by round, each round with a fresh collector (a CLI run is always a
// cold snapshot): (a) the snapshot alone, (b) everything `track list --json` does in between
// (read and parse the registry, one snapshot, liveness of every entry, the observation write when
// due, the JSON). Then the same through the CLI: `track list --json` against `pstat --json`.
// Run standalone with `node bench/track.mjs [--entries N] [--runs R]`, or `npm run bench -- --only track`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { binDir } from './compile.mjs';
import { timeAsync } from './fds.mjs';
import { median } from './snapshot.mjs';
import { BUNDLE_OPTIONS } from '../scripts/esbuild-options.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

async function loadLib() {
  const outfile = join(binDir, 'track-lib.mjs');
  await build({ ...BUNDLE_OPTIONS, entryPoints: [join(root, 'src/index.ts')], outfile });
  return import(pathToFileURL(outfile).href);
}

/** N entries: a third are live processes of this box (alive), the rest dead (exited or reused PIDs). */
function registryOf(lib, processes, bootId, entries) {
  const list = [];
  for (let i = 0; i < entries; i++) {
    const p = processes[i % processes.length];
    const alive = i % 3 === 0;
    list.push({
      id: i + 1,
      pid: p.pid,
      startTime: alive ? p.startTime : p.startTime + 1 + i,
      bootId,
      name: `svc-${i}`,
      tags: [`t${i % 10}`, 'bench'],
      groups: [`g${i % 7}`],
      argv: [...p.argv, `--bench-entry=${i}`],
      exe: p.exe,
      uid: p.uid,
      user: p.user,
      createdAt: new Date().toISOString(),
      lastSeen: new Date().toISOString(),
      firstSeenDead: alive ? null : new Date().toISOString(),
      logPath: null,
      cwd: null,
      origin: 'add',
    });
  }
  return lib.serializeRegistry({ nextId: entries + 1, entries: list });
}


export async function run({ entries = 10_000, runs = 15 } = {}) {
  const lib = await loadLib();
  const collector = lib.createCollector().collector;
  const bootId = await collector.bootId();
  const first = await collector.snapshot();
  const processes = first.processes.filter((p) => !p.isKernelThread && p.argv.length > 0);
  const dir = mkdtempSync(join(tmpdir(), 'proctop-bench-track-'));
  const path = join(dir, 'registry.json');
  const text = registryOf(lib, processes, bootId, entries);
  writeFileSync(path, text, { mode: 0o600 });
  const env = { ...process.env, PROCTOP_REGISTRY: path, PROCTOP_LAST_SEEN_INTERVAL: '1h' };

  const snapshotOnly = async () => (await new lib.Sampler(lib.createCollector().collector).sample()).rows.length;
  const trackList = async () => {
    const registry = await lib.Registry.open({ path, env, collector: lib.createCollector().collector });
    const [data, frame] = await Promise.all([registry.read(), new lib.Sampler(lib.createCollector().collector).sample()]);
    const { statuses } = await registry.observe(await registry.statuses(data.entries, frame.rows));
    const byPid = new Map(frame.rows.map((r) => [r.pid, r]));
    const out = statuses.map((s) => {
      const row = s.liveness.alive ? byPid.get(s.entry.pid) : undefined;
      return lib.statusJson(s, row ? { cpuPercent: row.cpuPercentLifetime, rssBytes: row.rssBytes, state: row.state } : null);
    });
    return JSON.stringify(out).length;
  };
  const cli = join(root, 'dist', 'cli.js');
  const cliRun = (args) => {
    const start = performance.now();
    const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    return performance.now() - start;
  };

  const t = { snapshot: [], list: [], snapshotCpu: [], listCpu: [], cliPstat: [], cliTrack: [] };
  let alive = 0;
  for (let round = 0; round < runs; round++) {
    const a = await timeAsync(snapshotOnly);
    const b = await timeAsync(trackList);
    t.snapshot.push(a.ms);
    t.snapshotCpu.push(a.cpuMs);
    t.list.push(b.ms);
    t.listCpu.push(b.cpuMs);
    if (round < Math.min(runs, 7)) {
      t.cliPstat.push(cliRun(['pstat', '--json']));
      t.cliTrack.push(cliRun(['track', 'list', '--json']));
    }
  }
  {
    const registry = await lib.Registry.open({ path, env });
    const { entries: stored } = await registry.read();
    alive = (await registry.statuses(stored)).filter((s) => s.liveness.alive).length;
  }
  const m = (k) => median(t[k]);
  const registryPart = m('list') - m('snapshot');
  const rows = [
    `### track list: ${entries} entries (${alive} alive), ${processes.length} live processes, median of ${runs} interleaved runs (load ${loadavg()[0].toFixed(1)})`,
    '',
    '| step | median ms | CPU ms | vs one snapshot |',
    '|---|---:|---:|---:|',
    `| one cold snapshot (Sampler.sample, fresh collector) | ${m('snapshot').toFixed(1)} | ${m('snapshotCpu').toFixed(1)} | 1.00 |`,
    `| track list in process (read + parse registry, snapshot, liveness, JSON) | ${m('list').toFixed(1)} | ${m('listCpu').toFixed(1)} | ${(m('list') / m('snapshot')).toFixed(2)} |`,
    `| of which the registry's own work (list − snapshot) | ${registryPart.toFixed(1)} | ${(m('listCpu') - m('snapshotCpu')).toFixed(1)} | ${(registryPart / m('snapshot')).toFixed(2)} |`,
    `| CLI: proctop pstat --json (wall, node start included) | ${m('cliPstat').toFixed(1)} | – | – |`,
    `| CLI: proctop track list --json (wall) | ${m('cliTrack').toFixed(1)} | – | ${(m('cliTrack') / m('cliPstat')).toFixed(2)} of pstat |`,
    '',
    `Registry file: ${(text.length / 1024 / 1024).toFixed(1)} MB.`,
  ];
  return rows.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const get = (flag, fallback) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  console.log(await run({ entries: get('--entries', 10_000), runs: get('--runs', 15) }));
}
