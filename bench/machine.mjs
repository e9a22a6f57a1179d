// What the machine allows a bench of N farm processes: the bench's own open-file limit (raised
// from the soft toward the hard limit, since the readers under test keep fds and pidusage keeps
// one per pid), and the kernel's pid_max and threads-max against the processes already running
// plus the farm. Bench-only: it reads /proc and runs prlimit, which the app never does from here.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** fds the bench keeps for itself (pipes, tmux, compilers, node internals) beyond what readers keep. */
export const FD_HEADROOM = 512;

/** This process's RLIMIT_NOFILE as { soft, hard } (Infinity for "unlimited"). */
export function nofileLimit(pid = 'self') {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line ?? '').trim().split(/\s+/).slice(3, 5).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft: soft ?? NaN, hard: hard ?? NaN };
}

/**
 * Raises this process's soft RLIMIT_NOFILE to its hard limit (Node has no setrlimit: util-linux
 * prlimit sets it on our PID from outside). As root, when the hard limit is below what a farm of
 * `procs` needs (floor (c) and the native readers keep one stat handle per process: at 20,000
 * processes a hard limit of 20,000 left floor (c) reading 19,995), the hard limit is raised too,
 * within fs.nr_open. Returns the limit now in force and notes (a raised hard limit is said, since
 * a user's machine may not allow it); children started afterwards (the farm, the TUI panes)
 * inherit it.
 */
export function raiseNofileLimit(procs = 0) {
  const before = nofileLimit();
  const notes = [];
  let hard = before.hard;
  const wanted = 2 * (runningNow().processes + procs) + FD_HEADROOM;
  if (process.getuid?.() === 0 && Number.isFinite(hard) && hard < wanted) {
    const nrOpen = readNumber('/proc/sys/fs/nr_open');
    const target = Math.min(wanted, Number.isFinite(nrOpen) ? nrOpen : wanted);
    if (target > hard) {
      const raised = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${target}:${target}`], { encoding: 'utf8' });
      if (nofileLimit().hard === target) {
        notes.push(`running as root: raised the hard open-file limit from ${hard} to ${target} (2 × (processes + farm) + ${FD_HEADROOM}), so floor (c) and the readers can keep a stat handle per process`);
        hard = target;
      } else {
        notes.push(`could not raise the hard open-file limit from ${hard} to ${target} (prlimit: ${(raised.error?.message ?? raised.stderr).trim() || 'no effect'})`);
      }
    }
  }
  const current = nofileLimit();
  if (current.soft < current.hard) {
    const result = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${current.hard === Infinity ? 'unlimited' : current.hard}:${current.hard === Infinity ? 'unlimited' : current.hard}`], { encoding: 'utf8' });
    if (!(nofileLimit().soft > current.soft)) {
      notes.push(`could not raise the open-file limit from ${current.soft} (prlimit: ${(result.error?.message ?? result.stderr).trim() || 'no effect'})`);
    }
  }
  return { ...nofileLimit(), note: notes.length ? notes.join('; ') : null };
}

function readNumber(path) {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return NaN;
  }
}

/** Processes and threads running now (every /proc/PID and its thread count). */
function runningNow() {
  let processes = 0;
  let threads = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^[1-9]\d*$/.test(name)) continue;
    processes++;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      threads += Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[17]) || 1; // field 20, num_threads
    } catch {
      // vanished meanwhile
    }
  }
  return { processes, threads };
}

/**
 * Checks that a farm of `procs` fits: pid_max and threads-max against what runs now plus the farm
 * (with room for the bench's own children). Returns lines for the report and, when it cannot fit,
 * a reason to stop before forking thousands of processes into a wall.
 */
export function checkCapacity(procs) {
  const pidMax = readNumber('/proc/sys/kernel/pid_max');
  const threadsMax = readNumber('/proc/sys/kernel/threads-max');
  const { processes, threads } = runningNow();
  const limit = nofileLimit();
  const room = 1000; // tmux panes, node, compilers, ps: the bench's own children
  const problems = [];
  if (processes + procs + room > pidMax) problems.push(`pid_max ${pidMax} is too low for ${processes} running + ${procs} farm processes (+${room} for the bench); raise /proc/sys/kernel/pid_max`);
  if (threads + procs + room > threadsMax) problems.push(`threads-max ${threadsMax} is too low for ${threads} running threads + ${procs} farm processes; raise /proc/sys/kernel/threads-max`);
  const line =
    `machine: pid_max ${pidMax}, threads-max ${threadsMax}, ${processes} processes (${threads} threads) running before the farm, ` +
    `open-file limit ${limit.soft}/${limit.hard} (soft/hard)`;
  return { line, pidMax, threadsMax, running: processes, fdLimit: limit.soft, problems };
}

/**
 * The reader processes (`proctop-reader`) that pid started: proctop reads its snapshots there
 * (native/linux/reader_process.h), so their CPU time and memory count as proctop's in every
 * figure. Children are listed per thread (the addon spawns from a pool thread).
 */
export function readerProcessesOf(pid = 'self') {
  const found = [];
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch {
      continue;
    }
    for (const child of children.split(' ').filter((c) => c !== '')) {
      try {
        if (readFileSync(`/proc/${child}/comm`, 'latin1') === 'proctop-reader\n') found.push(Number(child));
      } catch {
        // ended since the listing
      }
    }
  }
  return found;
}

/** utime + stime of a process in clock ticks (0 once it is gone). */
export function cpuTicksOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
  } catch {
    return 0;
  }
}
