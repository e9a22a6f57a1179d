import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCmdline } from '../src/sys/js/cmdline.js';
import { nodeProcFiles, type ProcFiles } from '../src/sys/js/proc-files.js';
import { parseStat } from '../src/sys/js/proc-stat.js';
import { JsSnapshotReader } from '../src/sys/js/snapshot.js';
import { parseLoadAvg, parseMeminfo, parseProcStat, parseUptime, readSysconf } from '../src/sys/js/system-info.js';
import { parsePasswd, parsePasswdAccounts } from '../src/sys/js/users.js';
import type { RawProcess } from '../src/sys/types.js';
import {
  createProcFixture,
  FIXTURE_PF_KTHREAD,
  PITFALL_PROCESSES,
  statLine,
  type ProcFixture,
} from './helpers/proc-fixture.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const isRoot = process.getuid?.() === 0;

let fixture: ProcFixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

async function pitfallSnapshot(options: ConstructorParameters<typeof JsSnapshotReader>[1] = {}) {
  fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
  return new JsSnapshotReader(fixture.root, options).snapshot();
}

function byPid(processes: readonly RawProcess[], pid: number): RawProcess {
  const found = processes.find((p) => p.pid === pid);
  if (!found) throw new Error(`pid ${pid} missing from snapshot (have ${processes.map((p) => p.pid).join(',')})`);
  return found;
}

/** Wraps the real filesystem, counting reads and failing chosen paths with an errno. */
function instrumentedFiles(failures: ReadonlyMap<string, string> = new Map()) {
  const reads: string[] = [];
  const fail = (path: string): void => {
    for (const [suffix, code] of failures) {
      if (path.endsWith(suffix)) throw Object.assign(new Error(`${code}: simulated, ${path}`), { code });
    }
  };
  const files: ProcFiles = {
    listDir: (path) => nodeProcFiles.listDir(path),
    readText: async (path) => {
      reads.push(path);
      fail(path);
      return nodeProcFiles.readText(path);
    },
    readLink: async (path) => {
      reads.push(path);
      fail(path);
      return nodeProcFiles.readLink(path);
    },
    ownerUid: async (path) => {
      reads.push(path);
      fail(path);
      return nodeProcFiles.ownerUid(path);
    },
  };
  return { files, reads };
}

describe('parseStat', () => {
  it('reads the fields after the LAST ")" when comm is "a) b (c\\nd"', () => {
    const stat = parseStat(statLine({ pid: 100, comm: 'a) b (c\nd', ppid: 42, utime: 250, stime: 50, startTime: 5000, threads: 3 }));
    expect(stat).toMatchObject({ pid: 100, comm: 'a) b (c\nd', state: 'S', ppid: 42, utime: 250, stime: 50, threads: 3, startTime: 5000 });
  });

  it('keeps 64-bit-sized values exact up to 2^53 and does not choke on rsslim 2^64-1', () => {
    const stat = parseStat(statLine({ pid: 9, vsizeBytes: 140_737_488_355_328, utime: 4_000_000_000, rssPages: 4_000_000 }));
    expect(stat?.vsizeBytes).toBe(140_737_488_355_328);
    expect(stat?.utime).toBe(4_000_000_000);
    expect(stat?.rssPages).toBe(4_000_000);
  });

  it('rejects text that is not a stat line', () => {
    expect(parseStat('')).toBeNull();
    expect(parseStat('12 (truncated) S 1 2')).toBeNull();
  });

  it('reads every line as split(" ") of the rest after the comm would: any length, doubled and trailing spaces, odd comms', () => {
    // The plain reading, field by field from an array (what parseStat did before it read in place).
    const byArray = (text: string): unknown => {
      const open = text.indexOf('(');
      const close = text.lastIndexOf(')');
      if (open < 0 || close < open) return null;
      const pid = Number(text.slice(0, open).trim());
      const fields = text.slice(close + 2).trim().split(' ');
      if (!Number.isInteger(pid) || fields.length < 22) return null;
      const at = (n: number): number => Number(fields[n - 3]);
      const optional = (n: number): number | null => (fields.length > n - 3 ? at(n) : null);
      return {
        pid, comm: text.slice(open + 1, close), state: fields[0], ppid: at(4), pgid: at(5), sid: at(6), ttyNr: at(7), flags: at(9),
        utime: at(14), stime: at(15), priority: at(18), nice: at(19), threads: at(20), startTime: at(22), vsizeBytes: at(23),
        rssPages: at(24), minorFaults: at(10), majorFaults: at(12), processor: optional(39), rtPriority: optional(40), policy: optional(41),
      };
    };
    const full = statLine({ pid: 4242, comm: 'x) (y', ppid: 7, utime: 12, stime: 34, startTime: 99, threads: 2, vsizeBytes: 1 << 30, rssPages: 77 });
    const close = full.lastIndexOf(')');
    const head = full.slice(0, close + 2);
    const fields = full.slice(close + 2).trim().split(' ');
    const lines: string[] = [full, `${full}\n`, `  ${full}  `, full.replace(/ 0 /g, '  0 '), `${head}  ${fields.join(' ')}`, '1 () S', '(x) S', 'x (y) S'];
    for (let n = 0; n <= fields.length + 3; n++) lines.push(`${head}${fields.slice(0, n).join(' ')}`, `${head}${fields.slice(0, n).join(' ')} `);
    for (const comm of ['', ' ', ')', '(', 'a b', 'tab\there', 'new\nline', ') S 1 2 3']) lines.push(statLine({ pid: 5, comm }));
    for (const line of lines) expect(parseStat(line), JSON.stringify(line)).toEqual(byArray(line));
  });
});

describe('small /proc parsers', () => {
  it('splits cmdline on NUL without an empty last argument', () => {
    expect(parseCmdline('')).toEqual([]);
    expect(parseCmdline('/bin/sleep\u000030\u0000')).toEqual(['/bin/sleep', '30']);
    expect(parseCmdline('nginx: worker process')).toEqual(['nginx: worker process']);
    expect(parseCmdline('a\u0000\u0000b\u0000')).toEqual(['a', '', 'b']);
    // A rewritten title (postgres, redis) followed by the NUL padding of the old argv area: one string, as ps shows it.
    expect(parseCmdline(`postgres: checkpointer${'\u0000'.repeat(88)}`)).toEqual(['postgres: checkpointer']);
    expect(parseCmdline('\u0000\u0000\u0000')).toEqual([]);
  });

  it('parses /proc/stat cpu lines in cpu order and btime', () => {
    const text = 'cpu  10 1 5 100 2 0 1 0 0 0\ncpu1 4 0 2 50 1 0 0 0 0 0\ncpu0 6 1 3 50 1 0 1 0 0 0\nintr 1 2\nbtime 1700000000\n';
    const stat = parseProcStat(text);
    expect(stat.cpuTotal).toEqual({ user: 10, nice: 1, system: 5, idle: 100, iowait: 2, irq: 0, softirq: 1, steal: 0 });
    expect(stat.cpus.map((c) => c.user)).toEqual([6, 4]);
    expect(stat.bootTimeMs).toBe(1_700_000_000_000);
  });

  it('parses meminfo kB values into bytes, loadavg and uptime', () => {
    const mem = parseMeminfo('MemTotal:       16000 kB\nMemAvailable:    8000 kB\nHugePages_Total:       0\n');
    expect(mem.get('MemTotal')).toBe(16000 * 1024);
    expect(mem.get('MemAvailable')).toBe(8000 * 1024);
    expect(mem.get('HugePages_Total')).toBe(0);
    expect(parseLoadAvg('0.52 0.58 0.59 3/1234 5678\n')).toEqual([0.52, 0.58, 0.59]);
    expect(parseUptime('350735.47 234388.90\n')).toBe(350735.47);
  });

  it('parses passwd, first entry wins, comments ignored', () => {
    const names = parsePasswd('# comment\nroot:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\ntoor:x:0:0::/:/bin/sh\n');
    expect(names.get(0)).toBe('root');
    expect(names.get(1000)).toBe('alice');
    expect(names.size).toBe(2);
  });

  it('parses passwd entries with their home directory (what the state directory is found from under sudo)', () => {
    const accounts = parsePasswdAccounts('root:x:0:0:root:/root:/bin/bash\nnohome:x:5:5:n\ntoor:x:0:0::/elsewhere:/bin/sh\n');
    expect(accounts.get(0)).toEqual({ uid: 0, name: 'root', home: '/root' });
    expect(accounts.get(5)).toEqual({ uid: 5, name: 'nohome', home: '' });
  });

  it('asks getconf for clock ticks and page size', async () => {
    const getconf = (name: string): number => Number(spawnSync('getconf', [name], { encoding: 'utf8' }).stdout.trim());
    expect(await readSysconf()).toEqual({ clockTicks: getconf('CLK_TCK'), pageSize: getconf('PAGESIZE') });
  });
});

describe('JsSnapshotReader on a fixture tree', () => {
  it('lists every readable pid once, sorted, and ignores non-pid entries and vanished pids', async () => {
    const snap = await pitfallSnapshot();
    expect(snap.processes.map((p) => p.pid)).toEqual([1, 2, 7, 100, 200, 400, 500]);
    // A process vanishing between readdir and open is normal churn: no warning.
    expect(snap.warnings).toEqual([]);
  });

  it('reads a comm with ")", "(", spaces and a newline, and its argv and exe', async () => {
    const p = byPid((await pitfallSnapshot()).processes, 100);
    expect(p.comm).toBe('a) b (c\nd');
    expect(p.argv).toEqual(['/opt/weird/a) b (c', '--flag']);
    expect(p.exe).toBe('/opt/weird/a) b (c');
    expect(p).toMatchObject({ ppid: 1, state: 'S', utime: 250, stime: 50, threads: 3, startTime: 5000, isKernelThread: false });
    expect(p.rssBytes).toBe(500 * 4096);
  });

  it('flags kernel threads by PF_KTHREAD, with empty argv and no exe', async () => {
    const snap = await pitfallSnapshot();
    for (const pid of [2, 7]) {
      const p = byPid(snap.processes, pid);
      expect(p.isKernelThread).toBe(true);
      expect(p.argv).toEqual([]);
      expect(p.exe).toBeNull();
    }
    expect(byPid(snap.processes, 7)).toMatchObject({ state: 'I', ppid: 2, nice: -20, priority: 0 });
  });

  it('does not call a process with an empty cmdline a kernel thread (zombie)', async () => {
    const p = byPid((await pitfallSnapshot()).processes, 200);
    expect(p).toMatchObject({ state: 'Z', isKernelThread: false, argv: [], exe: null, rssBytes: 0, vsizeBytes: 0, ppid: 100 });
  });

  it('keeps 64-bit-sized values', async () => {
    const p = byPid((await pitfallSnapshot()).processes, 400);
    expect(p.vsizeBytes).toBe(140_737_488_355_328);
    expect(p.rssBytes).toBe(4_000_000 * 4096);
    expect(p.utime).toBe(4_000_000_000);
    expect(p).toMatchObject({ threads: 64, nice: 19, priority: 39 });
  });

  it('takes uid from the owner of /proc/PID and falls back to the uid text without a passwd entry', async () => {
    // A passwd file that names nobody: every uid, ours included when not root (the fixture can
    // then not chown), must come back as its number.
    const passwdDir = await mkdtemp(join(tmpdir(), 'proctop-passwd-'));
    const passwdPath = join(passwdDir, 'passwd');
    await writeFile(passwdPath, 'someone:x:4242:4242::/:/bin/sh\n');
    try {
      const snap = await pitfallSnapshot({ passwdPath });
      const stopped = byPid(snap.processes, 500);
      expect(stopped).toMatchObject({ state: 'T', ttyNr: 34816 });
      const expectedUid = isRoot ? 54_321 : (process.getuid?.() as number);
      expect(stopped.uid).toBe(expectedUid);
      expect(stopped.user).toBe(String(expectedUid));
      expect(byPid(snap.processes, 1).uid).toBe(isRoot ? 0 : process.getuid?.());
    } finally {
      await rm(passwdDir, { recursive: true, force: true });
    }
  });

  it('resolves user names from the given passwd file', async () => {
    fixture = await createProcFixture({ processes: [{ pid: 10 }] });
    await import('node:fs/promises').then((fs) => fs.writeFile(join(fixture!.root, 'passwd'), `tester:x:${process.getuid?.()}:0::/:/bin/sh\n`));
    const snap = await new JsSnapshotReader(fixture.root, { passwdPath: join(fixture.root, 'passwd') }).snapshot();
    expect(byPid(snap.processes, 10).user).toBe('tester');
  });

  it('reads the system figures', async () => {
    const snap = await pitfallSnapshot();
    const s = snap.system;
    expect(s.cpus).toHaveLength(2);
    expect(s.cpuTotal).toEqual({ user: 2200, nice: 30, system: 900, idle: 15900, iowait: 150, irq: 8, softirq: 11, steal: 0 });
    expect(s.memTotalBytes).toBe(8_000_000 * 1024);
    expect(s.memAvailableBytes).toBe(5_000_000 * 1024);
    expect(s.swapFreeBytes).toBe(900_000 * 1024);
    expect(s.loadAvg).toEqual([0.5, 0.25, 0.13]);
    expect(s.uptimeSeconds).toBe(12_345.67);
    expect(s.bootTimeMs).toBe(1_700_000_000_000);
    expect(s.clockTicks).toBeGreaterThan(0);
    expect(snap.monotonicMs).toBeGreaterThan(0);
    expect(Math.abs(snap.timestampMs - Date.now())).toBeLessThan(60_000);
  });

  it('reads argv, exe and owner once per identity; a steady refresh reads only stat', async () => {
    fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
    const { files, reads } = instrumentedFiles();
    const reader = new JsSnapshotReader(fixture.root, { files });
    await reader.snapshot();
    expect(reads.filter((r) => r.endsWith('/100/cmdline'))).toHaveLength(1);
    reads.length = 0;
    await reader.snapshot();
    const perProcess = reads.filter((r) => /\/\d+\//.test(r));
    expect(perProcess.every((r) => r.endsWith('/stat'))).toBe(true);
    expect(perProcess).toHaveLength(8); // 7 live pids + the vanished one still listed
  });

  it('re-reads argv and exe when comm changes under the same identity (exec)', async () => {
    fixture = await createProcFixture({ processes: [{ pid: 10, comm: 'bash', argv: ['bash'], exe: '/bin/bash', startTime: 77 }] });
    const reader = new JsSnapshotReader(fixture.root);
    expect(byPid((await reader.snapshot()).processes, 10).argv).toEqual(['bash']);
    await fixture.writeProcess({ pid: 10, comm: 'sleep', argv: ['sleep', '5'], exe: '/bin/sleep', startTime: 77 });
    const after = byPid((await reader.snapshot()).processes, 10);
    expect(after).toMatchObject({ comm: 'sleep', argv: ['sleep', '5'], exe: '/bin/sleep', startTime: 77 });
  });

  it('treats a reused pid (new start time) as a new identity with fresh argv', async () => {
    fixture = await createProcFixture({ processes: [{ pid: 10, comm: 'worker', argv: ['old'], startTime: 100 }] });
    const reader = new JsSnapshotReader(fixture.root);
    await reader.snapshot();
    await fixture.writeProcess({ pid: 10, comm: 'worker', argv: ['new'], startTime: 200 });
    expect(byPid((await reader.snapshot()).processes, 10)).toMatchObject({ argv: ['new'], startTime: 200 });
  });

  it('skips a process whose stat vanishes mid-read (ESRCH) without a warning', async () => {
    fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
    const { files } = instrumentedFiles(new Map([['/400/stat', 'ESRCH']]));
    const snap = await new JsSnapshotReader(fixture.root, { files }).snapshot();
    expect(snap.processes.map((p) => p.pid)).not.toContain(400);
    expect(snap.warnings).toEqual([]);
  });

  it('skips a process that vanishes between stat and cmdline', async () => {
    fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
    const { files } = instrumentedFiles(new Map([['/100/cmdline', 'ENOENT']]));
    const snap = await new JsSnapshotReader(fixture.root, { files }).snapshot();
    expect(snap.processes.map((p) => p.pid)).toEqual([1, 2, 7, 200, 400, 500]);
  });

  it('skips a process whose owner cannot be read (EIO) with a warning, and leaves no unhandled rejection', async () => {
    fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
    // The owner is read beside the command line and awaited after it: its failure must be handled meanwhile.
    const { files } = instrumentedFiles(new Map([['/100', 'EIO']]));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const snap = await new JsSnapshotReader(fixture.root, { files }).snapshot();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(snap.processes.map((p) => p.pid)).not.toContain(100);
      expect(snap.warnings.join('\n')).toMatch(/read error/);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('gives empty argv and null exe on EACCES (injected) and keeps the process', async () => {
    fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
    const { files } = instrumentedFiles(new Map([['/500/cmdline', 'EACCES'], ['/500/exe', 'EACCES']]));
    const snap = await new JsSnapshotReader(fixture.root, { files }).snapshot();
    expect(byPid(snap.processes, 500)).toMatchObject({ comm: 'vim', argv: [], exe: null, state: 'T' });
  });

  it('skips a process whose stat is denied and says so in one warning', async () => {
    fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
    const { files } = instrumentedFiles(new Map([['/100/stat', 'EACCES'], ['/400/stat', 'EACCES']]));
    const snap = await new JsSnapshotReader(fixture.root, { files }).snapshot();
    expect(snap.processes.map((p) => p.pid)).toEqual([1, 2, 7, 200, 500]);
    expect(snap.warnings).toEqual(['2 process(es) skipped: permission denied reading stat']);
  });

  it('gives empty argv on a real EACCES (cmdline chmod 000, read by a non-root reader)', async () => {
    fixture = await createProcFixture({ processes: [{ pid: 10, comm: 'secret', argv: ['secret', '--token'], unreadable: ['cmdline'] }] });
    if (!isRoot) {
      const p = byPid((await new JsSnapshotReader(fixture.root).snapshot()).processes, 10);
      expect(p).toMatchObject({ comm: 'secret', argv: [] });
      return;
    }
    // As root chmod does not deny anything: read the tree from a child running as "nobody".
    await chmod(fixture.root, 0o755);
    const script = `
      const { createJsCollector } = await import(${JSON.stringify(join(repoRoot, 'dist', 'index.js'))});
      const snap = await createJsCollector(${JSON.stringify(fixture.root)}).snapshot();
      process.stdout.write(JSON.stringify(snap.processes.map((p) => ({ pid: p.pid, comm: p.comm, argv: p.argv }))));`;
    const { ensureBuilt } = await import('./helpers/cli.js');
    await ensureBuilt();
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65_534, gid: 65_534, encoding: 'utf8', timeout: 20_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([{ pid: 10, comm: 'secret', argv: [] }]);
  });

  it('marks kernel threads by flag even if a fixture gives them a cmdline', async () => {
    fixture = await createProcFixture({ processes: [{ pid: 3, comm: 'odd', flags: FIXTURE_PF_KTHREAD, argv: ['x'] }] });
    expect(byPid((await new JsSnapshotReader(fixture.root).snapshot()).processes, 3).isKernelThread).toBe(true);
  });
});
