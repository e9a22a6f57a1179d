// Builds fake /proc trees in a temp dir from a compact spec, so readers (JS and native) can be
// tested on exactly the pitfalls DESIGN.md lists: odd comms, kernel threads, zombies, processes
// that vanish mid-read, unreadable files and 64-bit values.
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A /proc number: bigint or decimal string for values beyond 2^53 (written verbatim). */
export type ProcNumber = number | bigint | string;

/** PF_KTHREAD (include/linux/sched.h). */
export const FIXTURE_PF_KTHREAD = 0x00200000;
/** Flags a typical user process shows (PF_RANDOMIZE). */
export const FIXTURE_USER_FLAGS = 0x00400000;

/** One fake process. Every field has a plausible default. */
export interface FixtureProcess {
  readonly pid: number;
  /** Kernel command name, written between the parentheses verbatim (may hold ")", "(", "\n"). */
  readonly comm?: string;
  /** One-letter state (default "S"). */
  readonly state?: string;
  readonly ppid?: number;
  readonly pgid?: number;
  readonly sid?: number;
  readonly ttyNr?: number;
  /** stat field 9; use FIXTURE_PF_KTHREAD for a kernel thread. */
  readonly flags?: ProcNumber;
  readonly utime?: ProcNumber;
  readonly stime?: ProcNumber;
  readonly priority?: number;
  readonly nice?: number;
  readonly threads?: number;
  /** stat field 22, clock ticks after boot. */
  readonly startTime?: ProcNumber;
  readonly vsizeBytes?: ProcNumber;
  readonly rssPages?: ProcNumber;
  /** stat field 25 (rsslim); real kernels print 2^64-1 here. */
  readonly rssLimit?: ProcNumber;
  /** argv; written NUL-separated with a trailing NUL. Empty array = empty file. */
  readonly argv?: readonly string[];
  /** Raw cmdline bytes instead of argv (e.g. a process that rewrote its title without NULs). */
  readonly cmdlineRaw?: string;
  /** Target of the exe symlink; null = no exe link (kernel thread, zombie, other user). */
  readonly exe?: string | null;
  /** chown the /proc/PID dir to this uid (only possible as root; otherwise the dir keeps our uid). */
  readonly uid?: number;
  /** Full stat text instead of the generated line. */
  readonly statText?: string;
  /** Write no stat/status/cmdline at all: the process vanished between readdir and open. */
  readonly vanished?: boolean;
  /** Files under the pid dir to chmod 000 (EACCES for non-root readers). */
  readonly unreadable?: readonly string[];
  /** /proc/PID/io text; null = no io file (a kernel without task I/O accounting). Default: small counters. */
  readonly ioText?: string | null;
  /** /proc/PID/cgroup text (default "0::/"). */
  readonly cgroupText?: string;
  /** voluntary and nonvoluntary context switches for status (default [10, 2]). */
  readonly ctxSwitches?: readonly [number, number];
  /** VmRSS in kB for status (default rssPages × 4, as stat; the real kernel's stat figure is approximate). */
  readonly vmRssKb?: number;
  /** VmSwap in kB for status (default 0; not written for kernel threads and zombies). */
  readonly swapKb?: number;
  /** minflt and majflt for stat (default [100, 0]). */
  readonly faults?: readonly [number, number];
  /** Number of entries to create under fd/ (default: no fd dir). */
  readonly fdCount?: number;
  /** /proc/PID/limits text (default: no file; limitsText() builds a kernel-like one). */
  readonly limitsText?: string;
  /** /proc/PID/smaps_rollup text (default: no file). */
  readonly smapsRollupText?: string;
}

/** System-wide files. */
export interface FixtureSystem {
  /** One entry per CPU; the aggregate "cpu" line is their sum. Order: user nice system idle iowait irq softirq steal. */
  readonly cpus?: readonly (readonly [number, number, number, number, number, number, number, number])[];
  /** Boot time, Unix seconds ("btime"). */
  readonly bootTime?: number;
  /** "procs_running" of /proc/stat. */
  readonly procsRunning?: number;
  /** /proc/meminfo values in kB. */
  readonly memTotalKb?: number;
  readonly memFreeKb?: number;
  readonly memAvailableKb?: number;
  readonly buffersKb?: number;
  readonly cachedKb?: number;
  readonly swapTotalKb?: number;
  readonly swapFreeKb?: number;
  readonly loadAvg?: readonly [number, number, number];
  /** Seconds since boot (first field of /proc/uptime). */
  readonly uptimeSeconds?: number;
}

export interface ProcFixtureSpec {
  readonly processes: readonly FixtureProcess[];
  readonly system?: FixtureSystem;
}

export interface ProcFixture {
  /** The fake proc root: pass it to readers as procRoot. */
  readonly root: string;
  /** Writes (or rewrites) one process dir. */
  writeProcess(process: FixtureProcess): Promise<void>;
  /** Removes one process dir (the process exited). */
  removeProcess(pid: number): Promise<void>;
  /** Rewrites stat, meminfo, loadavg and uptime. */
  writeSystem(system: FixtureSystem): Promise<void>;
  /** Deletes the tree (restoring permissions first). */
  cleanup(): Promise<void>;
}

export const DEFAULT_FIXTURE_SYSTEM: Required<FixtureSystem> = {
  cpus: [
    [1000, 10, 500, 8000, 100, 5, 7, 0],
    [1200, 20, 400, 7900, 50, 3, 4, 0],
  ],
  bootTime: 1_700_000_000,
  procsRunning: 3,
  memTotalKb: 8_000_000,
  memFreeKb: 2_000_000,
  memAvailableKb: 5_000_000,
  buffersKb: 100_000,
  cachedKb: 2_500_000,
  swapTotalKb: 1_000_000,
  swapFreeKb: 900_000,
  loadAvg: [0.5, 0.25, 0.125],
  uptimeSeconds: 12_345.67,
};

/** Byte-for-byte /proc/PID/stat line (52 fields) from a fixture process. */
export function statLine(p: FixtureProcess): string {
  const kthread = isKernelThreadSpec(p);
  const fields: ProcNumber[] = [
    p.state ?? 'S',
    p.ppid ?? 1,
    p.pgid ?? p.pid,
    p.sid ?? p.pid,
    p.ttyNr ?? 0,
    -1, // tpgid
    p.flags ?? FIXTURE_USER_FLAGS,
    p.faults?.[0] ?? 100, 0, p.faults?.[1] ?? 0, 0, // minflt cminflt majflt cmajflt
    p.utime ?? 10,
    p.stime ?? 5,
    0, 0, // cutime cstime
    p.priority ?? 20,
    p.nice ?? 0,
    p.threads ?? 1,
    0, // itrealvalue
    p.startTime ?? 1000 + p.pid,
    p.vsizeBytes ?? (kthread ? 0 : 10_000_000),
    p.rssPages ?? (kthread ? 0 : 500),
    p.rssLimit ?? '18446744073709551615',
    // startcode endcode startstack kstkesp kstkeip signal blocked sigignore sigcatch wchan nswap cnswap
    1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    17, 0, 0, 0, 0, 0, 0, // exit_signal processor rt_priority policy blkio guest_time cguest_time
    0, 0, 0, 0, 0, 0, 0, 0, // start_data end_data start_brk arg_start arg_end env_start env_end exit_code
  ];
  return `${p.pid} (${p.comm ?? `proc${p.pid}`}) ${fields.map(String).join(' ')}\n`;
}

function isKernelThreadSpec(p: FixtureProcess): boolean {
  return p.flags !== undefined && (BigInt(p.flags) & BigInt(FIXTURE_PF_KTHREAD)) !== 0n;
}

const STATE_NAMES: Readonly<Record<string, string>> = {
  R: 'R (running)',
  S: 'S (sleeping)',
  D: 'D (disk sleep)',
  T: 'T (stopped)',
  t: 't (tracing stop)',
  Z: 'Z (zombie)',
  X: 'X (dead)',
  I: 'I (idle)',
};

function statusText(p: FixtureProcess, uid: number): string {
  const state = p.state ?? 'S';
  // status shows comm with "\n" escaped, like the kernel does.
  const name = (p.comm ?? `proc${p.pid}`).replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  const lines = [
    `Name:\t${name}`,
    `State:\t${STATE_NAMES[state] ?? `${state} (unknown)`}`,
    `Tgid:\t${p.pid}`,
    `Pid:\t${p.pid}`,
    `PPid:\t${p.ppid ?? 1}`,
    `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`,
    `Gid:\t${uid}\t${uid}\t${uid}\t${uid}`,
  ];
  if (state !== 'Z' && !isKernelThreadSpec(p)) {
    const pageKb = 4;
    lines.push(`VmSize:\t${Math.floor(Number(p.vsizeBytes ?? 10_000_000) / 1024)} kB`);
    lines.push(`VmRSS:\t${p.vmRssKb ?? Number(p.rssPages ?? 500) * pageKb} kB`);
    lines.push(`VmSwap:\t${p.swapKb ?? 0} kB`);
  }
  lines.push(`Threads:\t${p.threads ?? 1}`);
  lines.push(`voluntary_ctxt_switches:\t${p.ctxSwitches?.[0] ?? 10}`);
  lines.push(`nonvoluntary_ctxt_switches:\t${p.ctxSwitches?.[1] ?? 2}`);
  return `${lines.join('\n')}\n`;
}

/** A real kernel's /proc/PID/limits layout (columns padded with spaces). */
export function limitsText(softOpenFiles: string, hardOpenFiles: string): string {
  const row = (name: string, soft: string, hard: string, units: string) => `${name.padEnd(26)}${soft.padEnd(21)}${hard.padEnd(21)}${units}`.trimEnd();
  return [
    row('Limit', 'Soft Limit', 'Hard Limit', 'Units     '),
    row('Max cpu time', 'unlimited', 'unlimited', 'seconds'),
    row('Max processes', '63432', '63432', 'processes'),
    row('Max open files', softOpenFiles, hardOpenFiles, 'files'),
    row('Max locked memory', '8388608', '8388608', 'bytes'),
    '',
  ].join('\n');
}
/** The io file every fixture process gets unless it says otherwise. */
export const DEFAULT_IO_TEXT = 'rchar: 1000\nwchar: 2000\nsyscr: 10\nsyscw: 20\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n';

function cmdlineText(p: FixtureProcess): string {
  if (p.cmdlineRaw !== undefined) return p.cmdlineRaw;
  const argv = p.argv ?? (isKernelThreadSpec(p) || p.state === 'Z' ? [] : [`/usr/bin/proc${p.pid}`]);
  return argv.length === 0 ? '' : `${argv.join('\0')}\0`;
}

function statmText(p: FixtureProcess): string {
  const pages = (v: ProcNumber | undefined, fallback: number): string => String(v ?? fallback);
  const kthread = isKernelThreadSpec(p);
  const size = kthread ? 0 : Math.floor(Number(p.vsizeBytes ?? 10_000_000) / 4096);
  return `${size} ${pages(p.rssPages, kthread ? 0 : 500)} 0 1 0 0 0\n`;
}

function systemStatText(s: Required<FixtureSystem>): string {
  const total = [0, 0, 0, 0, 0, 0, 0, 0];
  for (const cpu of s.cpus) cpu.forEach((v, i) => (total[i] = (total[i] ?? 0) + v));
  // Real lines carry guest and guest_nice too.
  const line = (name: string, v: readonly number[]): string => `${name} ${v.join(' ')} 0 0`;
  return [
    line('cpu ', total),
    ...s.cpus.map((cpu, i) => line(`cpu${i}`, cpu)),
    'intr 12345 0 0 0',
    'ctxt 987654',
    `btime ${s.bootTime}`,
    'processes 4242',
    `procs_running ${s.procsRunning}`,
    'procs_blocked 0',
    'softirq 1 2 3 4 5 6 7 8 9 10 11',
    '',
  ].join('\n');
}

function meminfoText(s: Required<FixtureSystem>): string {
  const row = (name: string, kb: number): string => `${`${name}:`.padEnd(16)}${String(kb).padStart(8)} kB`;
  return [
    row('MemTotal', s.memTotalKb),
    row('MemFree', s.memFreeKb),
    row('MemAvailable', s.memAvailableKb),
    row('Buffers', s.buffersKb),
    row('Cached', s.cachedKb),
    row('SwapCached', 0),
    row('Active', 1000),
    row('SwapTotal', s.swapTotalKb),
    row('SwapFree', s.swapFreeKb),
    row('Dirty', 12),
    '',
  ].join('\n');
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Creates a fake proc tree. Call cleanup() in afterEach/afterAll. */
export async function createProcFixture(spec: ProcFixtureSpec): Promise<ProcFixture> {
  const root = await mkdtemp(join(tmpdir(), 'proctop-proc-'));
  const locked = new Set<string>();

  const writeSystem = async (system: FixtureSystem): Promise<void> => {
    const s = { ...DEFAULT_FIXTURE_SYSTEM, ...system };
    await writeFile(join(root, 'stat'), systemStatText(s));
    await writeFile(join(root, 'meminfo'), meminfoText(s));
    await writeFile(join(root, 'loadavg'), `${s.loadAvg.map((v) => v.toFixed(2)).join(' ')} 2/345 4242\n`);
    await writeFile(join(root, 'uptime'), `${s.uptimeSeconds.toFixed(2)} ${(s.uptimeSeconds * 1.5).toFixed(2)}\n`);
  };

  const writeProcess = async (p: FixtureProcess): Promise<void> => {
    const dir = join(root, String(p.pid));
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    const uid = p.uid !== undefined && isRoot() ? p.uid : (process.getuid?.() ?? 0);
    if (!p.vanished) {
      await writeFile(join(dir, 'stat'), p.statText ?? statLine(p));
      await writeFile(join(dir, 'status'), statusText(p, uid));
      await writeFile(join(dir, 'statm'), statmText(p));
      await writeFile(join(dir, 'cmdline'), cmdlineText(p));
      if (p.exe) await symlink(p.exe, join(dir, 'exe'));
      const io = p.ioText === undefined ? DEFAULT_IO_TEXT : p.ioText;
      if (io !== null) await writeFile(join(dir, 'io'), io);
      await writeFile(join(dir, 'cgroup'), p.cgroupText ?? '0::/\n');
      if (p.limitsText !== undefined) await writeFile(join(dir, 'limits'), p.limitsText);
      if (p.smapsRollupText !== undefined) await writeFile(join(dir, 'smaps_rollup'), p.smapsRollupText);
      if (p.fdCount !== undefined) {
        await mkdir(join(dir, 'fd'));
        for (let fd = 0; fd < p.fdCount; fd++) await symlink('/dev/null', join(dir, 'fd', String(fd)));
      }
      for (const name of p.unreadable ?? []) {
        await chmod(join(dir, name), 0o000);
        locked.add(join(dir, name));
      }
    }
    if (p.uid !== undefined && isRoot()) await chown(dir, p.uid, p.uid);
  };

  await writeSystem(spec.system ?? {});
  // Non-pid entries real /proc has: readers must ignore them.
  await mkdir(join(root, 'sys'));
  await writeFile(join(root, 'version'), 'Linux version fixture\n');
  await symlink(String(spec.processes[0]?.pid ?? 1), join(root, 'self'));
  for (const p of spec.processes) await writeProcess(p);

  return {
    root,
    writeProcess,
    removeProcess: (pid) => rm(join(root, String(pid)), { recursive: true, force: true }),
    writeSystem,
    cleanup: async () => {
      for (const path of locked) await chmod(path, 0o644).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A ready-made tree with every pitfall at once (see the pid comments). */
export const PITFALL_PROCESSES: readonly FixtureProcess[] = [
  // init
  { pid: 1, comm: 'systemd', ppid: 0, argv: ['/sbin/init', 'splash'], exe: '/usr/lib/systemd/systemd', uid: 0, startTime: 1 },
  // kthreadd and a kernel worker: PF_KTHREAD, empty cmdline, no exe
  { pid: 2, comm: 'kthreadd', ppid: 0, flags: FIXTURE_PF_KTHREAD | 0x40, argv: [], exe: null, uid: 0, startTime: 2 },
  { pid: 7, comm: 'kworker/0:1-events', state: 'I', ppid: 2, pgid: 0, sid: 0, flags: FIXTURE_PF_KTHREAD | 0x4208060, argv: [], exe: null, uid: 0, nice: -20, priority: 0, startTime: 5 },
  // comm with a close paren, spaces, an open paren and a newline
  { pid: 100, comm: 'a) b (c\nd', ppid: 1, argv: ['/opt/weird/a) b (c', '--flag'], exe: '/opt/weird/a) b (c', utime: 250, stime: 50, threads: 3, startTime: 5000 },
  // a zombie: no memory, no cmdline, no exe
  { pid: 200, comm: 'defunct-child', state: 'Z', ppid: 100, argv: [], exe: null, vsizeBytes: 0, rssPages: 0, utime: 3, stime: 1, startTime: 6000 },
  // listed by readdir but gone before its files were read
  { pid: 300, vanished: true },
  // 64-bit values: vsize of 128 TiB, big tick counts, rsslim of 2^64-1 (default)
  { pid: 400, comm: 'bigmem', ppid: 1, argv: ['bigmem'], exe: '/usr/bin/bigmem', vsizeBytes: 140_737_488_355_328, rssPages: 4_000_000, utime: 4_000_000_000, stime: 123_456_789, threads: 64, nice: 19, priority: 39, startTime: 7000 },
  // a stopped process with a tty and a uid without a passwd entry
  { pid: 500, comm: 'vim', state: 'T', ppid: 1, ttyNr: 34816, argv: ['vim', 'notes.txt'], exe: '/usr/bin/vim', uid: 54_321, startTime: 8000 },
];

/**
 * The pitfall processes (hostile comm, zombie, kernel threads, 64-bit figures, a uid with no passwd
 * entry, a vanished pid) `copies` times over, each copy with pids of its own: a fixture of
 * 7 × copies listed processes for the readers' batch and thread paths.
 */
export function manyPitfalls(copies: number): FixtureProcess[] {
  const out: FixtureProcess[] = [];
  for (let copy = 0; copy < copies; copy++) {
    const shift = 1000 * (copy + 1);
    for (const p of PITFALL_PROCESSES) out.push({ ...p, pid: p.pid + shift, ...(p.ppid !== undefined && p.ppid > 0 ? { ppid: p.ppid + shift } : {}) });
  }
  return out;
}
