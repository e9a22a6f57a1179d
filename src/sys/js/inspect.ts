// Collector.inspect: the whole-process snapshot of `proctop inspect` and the details view. One
// TypeScript implementation serves both backends (a cold path: one process, on demand); fd
// records come from the backend's own listFds. Every unreadable field becomes null plus an
// InspectFieldError, and the start time is re-read at the end to tell whether the process exited
// (or its PID was reused) while it was being read.
import { constants } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import type {
  EnvEntry,
  ExeStatus,
  InspectCgroup,
  InspectFieldError,
  InspectOptions,
  InspectResult,
  LineageEntry,
  NamespaceEntry,
  ThreadEntry,
} from '../inspect-types.js';
import type { FdListing, ListFdsOptions } from '../types.js';
import { describeCgroupPath, unifiedCgroupPath } from './cgroup.js';
import { parseCmdline } from './cmdline.js';
import { capabilitiesFrom, namespaceInode, parseLimits, policyName, seccompMode, smapsFigures } from './inspect-parsers.js';
import { mapBounded } from './map-bounded.js';
import { errnoCode, nodeProcFiles } from './proc-files.js';
import { parseStat, type ParsedStat } from './proc-stat.js';
import { kbField, numberField, parseIdSet, parseIo, parseKeyValueLines } from './proc-status.js';
import { readSysconf } from './system-info.js';

/** The backend's fd lister (native or JS): inspect reuses it for fd records and counts. */
export type FdLister = (pid: number, options: ListFdsOptions) => Promise<FdListing>;

const NAMESPACE_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'time_for_children', 'user', 'uts'];
/** A parent chain longer than this is a loop in a fixture or a kernel bug, not a real lineage. */
const MAX_ANCESTORS = 256;
const DELETED_MARK = ' (deleted)';

/** Collects null-with-reason fields while one process is read. */
class FieldErrors {
  readonly list: InspectFieldError[] = [];

  add(field: string, path: string, err: unknown): void {
    const code = errnoCode(err);
    if (code === 'EACCES' || code === 'EPERM') {
      this.list.push({ field, code: 'EACCES', message: `permission denied reading ${path} (another user's process: run as its owner or root)` });
    } else if (code === 'ENOENT' || code === 'ESRCH') {
      this.list.push({ field, code: 'ENOENT', message: `${path} does not exist` });
    } else {
      this.list.push({ field, code: 'OTHER', message: `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  note(field: string, code: InspectFieldError['code'], message: string): void {
    this.list.push({ field, code, message });
  }
}

// nodeProcFiles keeps bytes that are not valid UTF-8 (argv, environ, paths are other users' bytes).
async function readText(path: string, field: string, errors: FieldErrors): Promise<string | null> {
  try {
    return await nodeProcFiles.readText(path);
  } catch (err) {
    errors.add(field, path, err);
    return null;
  }
}

async function readLinkOrNull(path: string, field: string, errors: FieldErrors): Promise<string | null> {
  try {
    return await nodeProcFiles.readLink(path);
  } catch (err) {
    errors.add(field, path, err);
    return null;
  }
}

async function readStat(path: string): Promise<ParsedStat | null> {
  try {
    return parseStat(await nodeProcFiles.readText(path));
  } catch {
    return null;
  }
}

/**
 * sha256 of a regular file. Opened non-blocking and checked to be a regular file, so a FIFO
 * planted at an exe path cannot hang the read; a regular file's read ends with the file.
 */
async function sha256Of(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EINVAL' });
    // Loaded here, not at the top: node:crypto is ~3 ms the monitor's first frame need not wait for.
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/** Deleted: nothing at the path; replaced: another file (other device/inode) than the one mapped. */
async function exeStatusOf(dir: string, path: string, errors: FieldErrors): Promise<ExeStatus | null> {
  let mapped;
  try {
    mapped = await stat(`${dir}/exe`);
  } catch (err) {
    errors.add('program.exe_status', `${dir}/exe`, err);
    return null;
  }
  try {
    const onDisk = await stat(path);
    return onDisk.dev === mapped.dev && onDisk.ino === mapped.ino ? 'ok' : 'replaced';
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'deleted';
    errors.add('program.exe_status', path, err);
    return null;
  }
}

/** The cgroup2 mount point from mountinfo (field 5; the fstype follows " - "). */
function cgroup2MountPoint(mountinfo: string): string | null {
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right?.startsWith('cgroup2 ')) continue;
    const fields = (left ?? '').split(' ');
    if (fields[3] !== '/') continue;
    return (fields[4] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  }
  return null;
}

async function readCgroup(procRoot: string, dir: string, errors: FieldErrors): Promise<InspectCgroup | null> {
  const text = await readText(`${dir}/cgroup`, 'cgroup', errors);
  if (text === null) return null;
  const path = unifiedCgroupPath(text);
  if (path === null) {
    errors.note('cgroup', 'ENOENT', `no cgroup v2 ("0::") line in ${dir}/cgroup (cgroup v1 only)`);
    return null;
  }
  const placement = describeCgroupPath(path);
  const mountinfo = await readText(`${procRoot}/self/mountinfo`, 'cgroup.memory_max', errors);
  const mount = mountinfo === null ? null : cgroup2MountPoint(mountinfo);
  let memoryMax: string | null = null;
  let cpuMax: string | null = null;
  if (mount === null) {
    if (mountinfo !== null) errors.note('cgroup.memory_max', 'ENOENT', 'no cgroup2 filesystem mounted (memory.max and cpu.max unknown)');
  } else {
    const base = `${mount}${path === '/' ? '' : path}`;
    const controllerFile = async (name: string): Promise<string | null> => {
      try {
        return (await readFile(`${base}/${name}`, 'utf8')).trim();
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOENT') {
          errors.note(`cgroup.${name.replace('.', '_')}`, 'ENOENT', `${base}/${name} does not exist (the root cgroup, or the controller is not enabled for this cgroup)`);
        } else errors.add(`cgroup.${name.replace('.', '_')}`, `${base}/${name}`, err);
        return null;
      }
    };
    [memoryMax, cpuMax] = await Promise.all([controllerFile('memory.max'), controllerFile('cpu.max')]);
  }
  return { ...placement, memoryMax, cpuMax };
}

async function readNamespaces(procRoot: string, dir: string, errors: FieldErrors): Promise<NamespaceEntry[] | null> {
  const ownErrors = new FieldErrors();
  const initErrors = new FieldErrors();
  const entries = await Promise.all(
    NAMESPACE_TYPES.map(async (type) => {
      const [own, init] = await Promise.all([
        readLinkOrNull(`${dir}/ns/${type}`, 'namespaces', ownErrors),
        readLinkOrNull(`${procRoot}/1/ns/${type}`, 'namespaces.init_inode', initErrors),
      ]);
      const inode = own === null ? null : namespaceInode(own);
      const initInode = init === null ? null : namespaceInode(init);
      return { type, inode, initInode, differsFromInit: inode === null || initInode === null ? null : inode !== initInode };
    }),
  );
  // A type this kernel lacks has no link on either side: no row. Otherwise one line per side, not ten.
  const present = entries.filter((e) => e.inode !== null || e.initInode !== null);
  const own = present.length === 0 ? ownErrors.list[0] : ownErrors.list.find((e) => e.code !== 'ENOENT');
  const init = present.length === 0 ? undefined : initErrors.list.find((e) => e.code !== 'ENOENT');
  if (own) errors.note('namespaces', own.code, own.message);
  if (init) errors.note('namespaces.init_inode', init.code, init.message);
  return present.length === 0 || present.every((e) => e.inode === null) ? null : present;
}

async function readThreads(dir: string, clockTicks: number, errors: FieldErrors): Promise<ThreadEntry[] | null> {
  let tids: string[];
  try {
    tids = await readdir(`${dir}/task`);
  } catch (err) {
    errors.add('threads', `${dir}/task`, err);
    return null;
  }
  const stats = await mapBounded(tids, 16, (tid) => readStat(`${dir}/task/${tid}/stat`));
  const threads: ThreadEntry[] = [];
  for (const s of stats) {
    // A thread that ended between readdir and read is simply not listed.
    if (!s) continue;
    threads.push({ tid: s.pid, name: s.comm, state: s.state, utimeTicks: s.utime, stimeTicks: s.stime, cpuSeconds: (s.utime + s.stime) / clockTicks });
  }
  return threads.sort((a, b) => a.tid - b.tid);
}

async function readAncestors(procRoot: string, ppid: number, errors: FieldErrors): Promise<LineageEntry[]> {
  const chain: LineageEntry[] = [];
  for (let pid = ppid; pid > 0 && chain.length < MAX_ANCESTORS; ) {
    const s = await readStat(`${procRoot}/${pid}/stat`);
    if (!s) {
      errors.note('identity.ancestors', 'ENOENT', `parent ${pid} exited while the chain was read`);
      break;
    }
    chain.push({ pid: s.pid, startTime: s.startTime, comm: s.comm });
    pid = s.ppid;
  }
  return chain;
}

/** Children from task/TID/children (every thread's), or by scanning every stat when the kernel lacks those files. */
async function readChildren(procRoot: string, dir: string, pid: number): Promise<LineageEntry[]> {
  let childPids: number[] | null = null;
  try {
    const tids = await readdir(`${dir}/task`);
    const lists = await Promise.all(tids.map((tid) => readFile(`${dir}/task/${tid}/children`, 'utf8')));
    childPids = lists.flatMap((text) => text.split(' ').filter((t) => t.trim() !== '').map(Number));
  } catch {
    childPids = null;
  }
  if (childPids === null) {
    const names = (await readdir(procRoot)).filter((n) => /^[1-9]\d*$/.test(n));
    const stats = await mapBounded(names, 32, (n) => readStat(`${procRoot}/${n}/stat`));
    childPids = stats.filter((s): s is ParsedStat => s !== null && s.ppid === pid).map((s) => s.pid);
  }
  const stats = await mapBounded([...new Set(childPids)], 16, (child) => readStat(`${procRoot}/${child}/stat`));
  return stats
    .filter((s): s is ParsedStat => s !== null && s.ppid === pid)
    .map((s) => ({ pid: s.pid, startTime: s.startTime, comm: s.comm }))
    .sort((a, b) => a.pid - b.pid);
}

function parseEnviron(text: string): EnvEntry[] {
  return parseCmdline(text).map((entry) => {
    const eq = entry.indexOf('=');
    return eq < 0 ? { name: entry, value: '' } : { name: entry.slice(0, eq), value: entry.slice(eq + 1) };
  });
}

async function readBootTimeMs(procRoot: string): Promise<number | null> {
  try {
    const match = /^btime (\d+)$/m.exec(await readFile(`${procRoot}/stat`, 'utf8'));
    return match ? Number(match[1]) * 1000 : null;
  } catch {
    return null;
  }
}

/** Reads one process whole. startTime null = whichever process has this PID now. */
export async function inspectProcess(
  procRoot: string,
  pid: number,
  startTime: number | null,
  options: InspectOptions,
  listFds: FdLister,
): Promise<InspectResult> {
  const dir = `${procRoot}/${pid}`;
  const first = await readStat(`${dir}/stat`);
  if (!first) return { inspection: null, error: { code: 'ENOENT', message: `no process ${pid}` } };
  if (startTime !== null && first.startTime !== startTime) {
    return { inspection: null, error: { code: 'REUSED', message: `PID ${pid} now names another process (start time ${first.startTime}, not ${startTime})` } };
  }
  const errors = new FieldErrors();
  const [statusText, cmdlineText] = await Promise.all([readText(`${dir}/status`, 'status', errors), readText(`${dir}/cmdline`, 'program.argv', errors)]);
  if (statusText === null || cmdlineText === null) {
    const gone = errors.list.some((e) => e.code === 'ENOENT');
    if (gone) return { inspection: null, error: { code: 'EXITED', message: `process ${pid} exited before it could be read` } };
  }
  const status = parseKeyValueLines(statusText ?? '');
  const [sysconf, bootTimeMs, bootIdText] = await Promise.all([
    readSysconf(),
    readBootTimeMs(procRoot),
    readText(`${procRoot}/sys/kernel/random/boot_id`, 'identity.boot_id', errors),
  ]);
  const clockTicks = sysconf.clockTicks;

  const exeLink = await readLinkOrNull(`${dir}/exe`, 'program.exe', errors);
  const exeMarked = exeLink?.endsWith(DELETED_MARK) ?? false;
  const exe = exeLink === null ? null : exeMarked ? exeLink.slice(0, -DELETED_MARK.length) : exeLink;

  const optionalText = (wanted: boolean | undefined, path: string, field: string): Promise<string | null> =>
    wanted ? readText(path, field, errors) : Promise.resolve(null);
  const hash = async (path: string, field: string): Promise<string | null> => {
    try {
      return await sha256Of(path);
    } catch (err) {
      errors.add(field, path, err);
      return null;
    }
  };

  const [exeStatus, cwd, root, environText, limitsText, ioText, smapsText, oomScore, oomAdj, namespaces, cgroup, threads, fdListing, sha256, pathSha256, ancestors, children] =
    await Promise.all([
      exe === null ? null : exeStatusOf(dir, exe, errors),
      readLinkOrNull(`${dir}/cwd`, 'program.cwd', errors),
      readLinkOrNull(`${dir}/root`, 'program.root', errors),
      readText(`${dir}/environ`, 'environment', errors),
      readText(`${dir}/limits`, 'limits', errors),
      readText(`${dir}/io`, 'io', errors),
      optionalText(options.smaps, `${dir}/smaps_rollup`, 'memory.smaps_rollup'),
      readText(`${dir}/oom_score`, 'memory.oom_score', errors),
      readText(`${dir}/oom_score_adj`, 'memory.oom_score_adj', errors),
      readNamespaces(procRoot, dir, errors),
      readCgroup(procRoot, dir, errors),
      options.threads ? readThreads(dir, clockTicks, errors) : null,
      options.skipFds ? null : listFds(pid, { pipePeers: options.fds === true }),
      options.sha256 && exe !== null ? hash(`${dir}/exe`, 'program.sha256') : null,
      options.sha256 && exe !== null ? hashAtPath(exe) : null,
      options.lineage ? readAncestors(procRoot, first.ppid, errors) : null,
      options.lineage ? readChildren(procRoot, dir, pid) : null,
    ]);

  async function hashAtPath(path: string): Promise<string | null> {
    try {
      return await sha256Of(path);
    } catch (err) {
      // Nothing at the path is the "deleted" case, already told by exe_status.
      if (errnoCode(err) !== 'ENOENT') errors.add('program.path_sha256', path, err);
      return null;
    }
  }

  if (fdListing?.error) {
    errors.note('fds', fdListing.error.code, fdListing.error.code === 'EACCES' ? `permission denied listing ${dir}/fd (another user's process: run as its owner or root)` : fdListing.error.message);
  }
  let smaps = smapsText === null ? null : smapsFigures(parseKeyValueLines(smapsText));
  // A kernel thread or zombie has an empty smaps_rollup: no figures rather than zeros.
  if (smaps && smaps.rssBytes === null) {
    errors.note('memory.smaps_rollup', 'ENOENT', `${dir}/smaps_rollup is empty (no memory map: kernel thread or zombie)`);
    smaps = null;
  }

  const last = await readStat(`${dir}/stat`);
  const exitedDuringRead = !last || last.startTime !== first.startTime;
  const fieldErrors = exitedDuringRead
    ? errors.list.map((e) => (e.code === 'ENOENT' ? { ...e, code: 'EXITED' as const, message: `${e.message} (the process exited during the read)` } : e))
    : errors.list;
  // VmRSS is the exact figure ps shows; stat's counter is the kernel's per-CPU approximation.
  const rssBytes = kbField(status, 'VmRSS') ?? first.rssPages * sysconf.pageSize;
  const intOrNull = (text: string | null): number | null => (text === null || !/^-?\d+\s*$/.test(text) ? null : Number(text));
  const groups = status.get('Groups');
  return {
    error: null,
    inspection: {
      identity: {
        pid,
        startTime: first.startTime,
        startTimeMs: bootTimeMs === null ? Number.NaN : bootTimeMs + (first.startTime * 1000) / clockTicks,
        bootId: bootIdText?.trim() ?? null,
        ppid: first.ppid,
        pgid: first.pgid,
        sid: first.sid,
        ttyNr: first.ttyNr,
        ancestors,
        children,
      },
      program: {
        comm: first.comm,
        argv: cmdlineText === null ? [] : parseCmdline(cmdlineText),
        exe,
        exeStatus,
        cwd,
        root,
        sha256,
        pathSha256,
        sameAsPath: sha256 === null || pathSha256 === null ? null : sha256 === pathSha256,
      },
      environment: environText === null ? null : parseEnviron(environText),
      limits: limitsText === null ? null : parseLimits(limitsText),
      cpu: {
        utimeTicks: first.utime,
        stimeTicks: first.stime,
        userSeconds: first.utime / clockTicks,
        systemSeconds: first.stime / clockTicks,
        nice: first.nice,
        priority: first.priority,
        policy: policyName(first.policy),
        rtPriority: first.rtPriority,
        affinity: status.get('Cpus_allowed_list') ?? null,
        voluntaryCtxSwitches: numberField(status, 'voluntary_ctxt_switches'),
        involuntaryCtxSwitches: numberField(status, 'nonvoluntary_ctxt_switches'),
        processor: first.processor,
        threads: first.threads,
      },
      memory: {
        rssBytes,
        rssAnonBytes: kbField(status, 'RssAnon'),
        rssFileBytes: kbField(status, 'RssFile'),
        rssShmemBytes: kbField(status, 'RssShmem'),
        vmSizeBytes: first.vsizeBytes,
        vmPeakBytes: kbField(status, 'VmPeak'),
        vmHwmBytes: kbField(status, 'VmHWM'),
        ussBytes: smaps?.ussBytes ?? null,
        pssBytes: smaps?.pssBytes ?? null,
        swapBytes: smaps?.swapBytes ?? kbField(status, 'VmSwap'),
        swapPssBytes: smaps?.swapPssBytes ?? null,
        minorFaults: first.minorFaults,
        majorFaults: first.majorFaults,
        oomScore: intOrNull(oomScore),
        oomScoreAdj: intOrNull(oomAdj),
      },
      io: ioText === null ? null : parseIo(ioText),
      security: {
        uids: parseIdSet(status.get('Uid')),
        gids: parseIdSet(status.get('Gid')),
        groups: groups === undefined ? null : groups.split(/\s+/).filter((g) => g !== '').map(Number),
        capabilities: capabilitiesFrom(status),
        noNewPrivs: status.has('NoNewPrivs') ? status.get('NoNewPrivs') === '1' : null,
        seccomp: seccompMode(status.get('Seccomp')),
      },
      namespaces,
      cgroup,
      threads,
      fds: fdListing === null || fdListing.error ? null : fdListing.fds,
      fieldErrors,
      exitedDuringRead,
    },
  };
}
