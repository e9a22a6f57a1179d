// The snapshot section of `npm run bench`: every way of reading the process table, side by side
// on the same farm, as median milliseconds and as ratios to two C floors. The readers take turns
// (one run of each per round), so load from other work on a shared machine hits all of them alike.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { compileC } from './compile.mjs';
import { LIBRARY_BUNDLE } from './bundle.mjs';
import { cpuTicksOf, FD_HEADROOM, nofileLimit, readerProcessesOf } from './machine.mjs';

const require = createRequire(import.meta.url);

// A full GC before every timed run, so no contender pays for the garbage another one left.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc');

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * CPU time (user + system) of this process's children, ms: those reaped (/proc/self/stat cutime +
 * cstime) and the reader processes still running (proctop reads its snapshots there; a reaped
 * one's time moves into cutime, so the sum only grows).
 */
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3; cutime and cstime are fields 16 and 17, in clock ticks (100 per second).
  const live = readerProcessesOf('self').reduce((sum, reader) => sum + cpuTicksOf(reader), 0);
  return (Number(fields[13]) + Number(fields[14]) + live) * 10;
}

/** Start and end (performance.now()) and kind of every GC this process ran, to tell which samples had none. */
const gcWindows = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcWindows.push([entry.startTime, entry.startTime + entry.duration, entry.detail?.kind ?? 0]);
}).observe({ entryTypes: ['gc'] });

/** perf_hooks' GC kinds (constants.NODE_PERFORMANCE_GC_*). */
const GC_KINDS = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental marking', 8: 'weak callbacks' };

/** V8 heap in use plus memory held outside it by ArrayBuffers (the addon's columns), bytes. */
function heapBytes() {
  const stats = getHeapStatistics();
  return stats.used_heap_size + stats.external_memory;
}

/**
 * The JS thread's own scheduler figures (/proc/self/task/TID/schedstat, read through one kept
 * handle): nanoseconds spent on a CPU, and runnable but waiting for one. They tell a delay the
 * reader's JS caused (running) from one the machine caused (other work held every CPU).
 */
const schedstat = (() => {
  let fd = -1;
  try {
    fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
  } catch {
    return null; // a kernel without schedstats
  }
  const buffer = Buffer.alloc(128);
  return () => {
    const text = buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0));
    const [runNs, waitNs] = text.split(' ').map(Number);
    return { runMs: runNs / 1e6, waitMs: waitNs / 1e6 };
  };
})();

/**
 * Microseconds every CPU has spent idle so far (the sum of each CPU's cpuidle state times under
 * /sys/devices/system/cpu, read through kept handles), or null where cpuidle is not exposed: it
 * tells, in a gap of the event loop, CPU time nobody used from time other processes used.
 */
const cpuIdleUs = (() => {
  const fds = [];
  try {
    for (const cpu of readdirSync('/sys/devices/system/cpu').filter((name) => /^cpu\d+$/.test(name))) {
      let states = [];
      try {
        states = readdirSync(`/sys/devices/system/cpu/${cpu}/cpuidle`).filter((name) => /^state\d+$/.test(name));
      } catch {
        continue;
      }
      for (const state of states) fds.push(openSync(`/sys/devices/system/cpu/${cpu}/cpuidle/${state}/time`, 'r'));
    }
  } catch {
    return null;
  }
  if (fds.length === 0) return null;
  const buffer = Buffer.alloc(32);
  return () => {
    let total = 0;
    for (const fd of fds) total += Number(buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0)));
    return total;
  };
})();

/** Scheduler figures of every thread of this process now: tid → { runNs, waitNs } (/proc/self/task/TID/schedstat). */
function threadSchedstats() {
  const threads = new Map();
  const buffer = Buffer.alloc(128);
  for (const tid of readdirSync('/proc/self/task')) {
    let fd = -1;
    try {
      fd = openSync(`/proc/self/task/${tid}/schedstat`, 'r');
      const [runNs, waitNs] = buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0)).split(' ').map(Number);
      threads.set(Number(tid), { runNs, waitNs });
    } catch {
      // the thread ended meanwhile
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }
  return threads;
}

/** A thread's role in "who held the CPUs": this process's JS thread, the native reader's own thread, or another thread of Node's. */
function threadRole(tid) {
  if (tid === process.pid) return 'JS thread';
  let comm = '';
  try {
    comm = readFileSync(`/proc/self/task/${tid}/comm`, 'latin1').trim();
  } catch {
    return 'threads since ended';
  }
  return comm === 'proctop-read' ? 'reader thread (proctop-read)' : 'other Node threads (V8 GC/compiler workers, libuv pool)';
}

/**
 * The threads of every other process on the machine (not this process, not its descendants: the
 * farm, the floors), each with a kept handle on its schedstat, so a gap of the event loop can name
 * who else held the CPUs (kernel threads among them). Null when /proc shows none (a PID namespace).
 * Read every millisecond in the diagnostic rounds only: ~100 preads a tick.
 * @returns {{ read: () => Map<number, number>, comm: (tid: number) => string, close: () => void } | null}
 */
function openOtherTasks() {
  const parentOf = new Map();
  for (const pid of listPids('/proc')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      parentOf.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  /** This process or one of its descendants (the walk up stops at PID 1, or after 64 generations). */
  const ours = (pid) => {
    for (let at = pid, hops = 0; at > 0 && hops < 64; at = parentOf.get(at) ?? 0, hops++) {
      if (at === process.pid) return true;
      if (at === 1) break;
    }
    return false;
  };
  const tasks = [];
  for (const pid of parentOf.keys()) {
    if (ours(pid)) continue;
    let tids = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const fd = openSync(`/proc/${pid}/task/${tid}/schedstat`, 'r');
        tasks.push({ tid: Number(tid), fd, comm: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'latin1').trim() });
      } catch {
        // gone meanwhile
      }
    }
  }
  if (tasks.length === 0) return null;
  const buffer = Buffer.alloc(128);
  return {
    read() {
      const runNs = new Map();
      for (const task of tasks) {
        try {
          runNs.set(task.tid, Number(buffer.toString('latin1', 0, readSync(task.fd, buffer, 0, buffer.length, 0)).split(' ')[0]));
        } catch {
          // ended (ESRCH): it ran no more
        }
      }
      return runNs;
    },
    comm: (tid) => tasks.find((task) => task.tid === tid)?.comm ?? String(tid),
    close() {
      for (const task of tasks) closeSync(task.fd);
    },
  };
}

/** Set while the diagnostic rounds run: the machine's other tasks, read at every tick of watchLongestGap. */
let otherTasks = null;

/**
 * Watches the event loop with a 1 ms timer and keeps its longest gap with what the JS thread did
 * meanwhile: ran (its own synchronous work: the completion callback, decoding, GC) or waited for a
 * CPU (the machine's other load), and the longest the JS thread ran within one gap (heldMs: the
 * reader's own longest stall whatever the load). In the longest gap it also keeps how long every
 * other thread of this process ran (`held`, ms by role): who held the CPUs while the JS thread
 * waited. Returns a stop function giving { gapMs, runMs, waitMs, heldMs, held }.
 */
function watchLongestGap() {
  if (!schedstat) return () => null;
  let last = performance.now();
  let lastSched = schedstat();
  let lastThreads = threadSchedstats();
  let lastIdle = cpuIdleUs?.() ?? null;
  let lastOthers = otherTasks?.read() ?? null;
  let longest = { gapMs: 0, runMs: 0, waitMs: 0, threads: new Map(), idleMs: null, others: new Map() };
  let heldMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const sched = schedstat();
    const threads = threadSchedstats();
    const idle = cpuIdleUs?.() ?? null;
    const others = otherTasks?.read() ?? null;
    const runMs = sched.runMs - lastSched.runMs;
    if (now - last > longest.gapMs) {
      const otherRan = new Map();
      for (const [tid, runNs] of others ?? []) {
        const ms = (runNs - (lastOthers?.get(tid) ?? runNs)) / 1e6;
        if (ms > 0) otherRan.set(tid, ms);
      }
      const ran = new Map();
      for (const [tid, figures] of threads) {
        const before = lastThreads.get(tid);
        if (tid !== process.pid) ran.set(tid, (figures.runNs - (before?.runNs ?? figures.runNs)) / 1e6);
      }
      longest = { gapMs: now - last, runMs, waitMs: sched.waitMs - lastSched.waitMs, threads: ran, idleMs: idle !== null && lastIdle !== null ? (idle - lastIdle) / 1000 : null, others: otherRan };
    }
    lastOthers = others;
    heldMs = Math.max(heldMs, runMs);
    last = now;
    lastSched = sched;
    lastThreads = threads;
    lastIdle = idle;
  }, 1);
  return () => {
    clearInterval(timer);
    const held = {};
    for (const [tid, ms] of longest.threads) {
      if (ms <= 0) continue;
      const role = threadRole(tid);
      held[role] = (held[role] ?? 0) + ms;
    }
    // Other processes' threads by name (a thread's time is accounted when it is switched out or at a tick: coarse, like the rest).
    const others = {};
    for (const [tid, ms] of longest.others) {
      const comm = otherTasks?.comm(tid) ?? String(tid);
      others[comm] = (others[comm] ?? 0) + ms;
    }
    return { gapMs: longest.gapMs, runMs: longest.runMs, waitMs: longest.waitMs, heldMs, held, idleMs: longest.idleMs, others };
  };
}

/**
 * CPU time every CPU of the machine has spent busy so far, ms (/proc/stat's first line: user,
 * nice, system, irq, softirq and steal, in clock ticks of 10 ms). Not namespaced: it counts the
 * processes a PID namespace hides (kernel threads among them).
 */
function machineBusyMs() {
  const fields = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user + nice + system + irq + softirq + (steal ?? 0)) * 10;
}

/**
 * Times one call of fn while watching the event loop (1 ms resolution); fn returns the process
 * count. With watch, also finds what the JS thread did in the loop's longest gap (diagnostic
 * rounds only). CPU time counts every thread of this process (worker, JS, GC helpers) plus reaped
 * children, so it stays comparable when other load on the machine stretches wall time.
 * allocatedBytes is how much the heap grew during the call; it equals the bytes allocated only
 * when no GC ran meanwhile (see allocationMedian).
 */
export async function timed(fn, { watch = false } = {}) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  // Off in timed runs: reading schedstat every millisecond costs CPU the C floors never pay.
  const stopWatching = watch ? watchLongestGap() : () => null;
  const cpuBefore = process.cpuUsage();
  const childrenBefore = childrenCpuMs();
  const heapBefore = heapBytes();
  const start = performance.now();
  const processes = await fn();
  const end = performance.now();
  const allocatedBytes = heapBytes() - heapBefore;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000 + (childrenCpuMs() - childrenBefore);
  histogram.disable();
  const longestGap = stopWatching();
  return { ms: end - start, cpuMs, processes, loopDelayMs: histogram.max / 1e6, stalls: stallsOver(histogram, STALL_MS * 1e6), longestGap, allocatedBytes, start, end };
}

/** What the stall target counts as a stall. */
const STALL_MS = 5;

/**
 * How many of the histogram's delays exceeded `ns`: one long stall is one delay (the 1 ms timer
 * fires once after it), so this counts stalls. The share above `ns` is found by bisecting the
 * percentile at which the histogram's value passes it.
 */
function stallsOver(histogram, ns) {
  if (histogram.count === 0 || histogram.max <= ns) return 0;
  let low = 0;
  let high = 100;
  for (let step = 0; step < 30; step++) {
    const middle = (low + high) / 2;
    if (histogram.percentile(middle) <= ns) low = middle;
    else high = middle;
  }
  return Math.max(1, Math.round((histogram.count * (100 - low)) / 100));
}

/** Median heap growth of the samples no GC ran during (a GC would hide what was allocated), or null. */
function allocationMedian(samples) {
  const clean = samples.filter((s) => s.allocatedBytes !== undefined && !gcWindows.some(([from, to]) => to >= s.start && from <= s.end));
  return clean.length ? { bytes: median(clean.map((s) => s.allocatedBytes)), runs: clean.length } : null;
}

/**
 * One sample of a C floor: one run in a fresh process, which times itself (process start-up is
 * not in the figure), under the same conditions as every other contender's single run.
 */
function floorOnce(binary, procRoot) {
  const result = spawnSync(binary, [procRoot, '1'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${binary} failed: ${result.stderr}`);
  const [ms, processes, cpuMs] = result.stdout.trim().split(' ').map(Number);
  return { ms, cpuMs, processes, loopDelayMs: 0 };
}

/**
 * The contenders of one round in an order of their own (shuffled): what runs just before a
 * contender leaves the caches and the CPUs in a state that favours or burdens it, and a fixed order
 * gave every round the same bias (at 20,000 processes, in 5-round runs with nothing else changed,
 * the steady refresh measured 1.0× to 1.2× floor (c) as the order changed). Each idle window stays
 * right after the run whose length it takes.
 */
function roundOrder(contenders) {
  const units = [];
  for (const contender of contenders) {
    if (contender.name === IDLE || contender.name === IDLE_STEADY) continue;
    const idle = contender.name === NATIVE_FIRST ? IDLE : contender.name === NATIVE_STEADY ? IDLE_STEADY : null;
    units.push([contender, ...contenders.filter((c) => c.name === idle)]);
  }
  for (let i = units.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [units[i], units[j]] = [units[j], units[i]];
  }
  return units.flat();
}

/** Descriptors of this process open on some /proc/PID/<file> (stat: the native readers' kept handles; schedstat: their run checks). */
function keptHandles(file = 'stat', holder = 'self') {
  const pattern = new RegExp(`^/proc/\\d+/${file}$`);
  let count = 0;
  let fds = [];
  try {
    fds = readdirSync(`/proc/${holder}/fd`);
  } catch {
    return 0; // a reader process that ended meanwhile
  }
  for (const fd of fds) {
    try {
      if (pattern.test(readlinkSync(`/proc/${holder}/fd/${fd}`))) count++;
    } catch {
      // the listing's own descriptor
    }
  }
  return count;
}

/** The same, over this process and its reader processes (where proctop's readers keep them). */
function keptHandlesWithReaders(file = 'stat') {
  return readerProcessesOf('self').reduce((sum, reader) => sum + keptHandles(file, reader), keptHandles(file));
}

/** The monitor's default refresh interval (src/commands/monitor-options.ts). */
const MONITOR_INTERVAL_MS = 1500;
/** Reads at the monitor's pace: this many, the first PACED_WARMUP not counted (run checks being traded after the rounds). */
const PACED_READS = 12;
const PACED_WARMUP = 4;

/**
 * The rounds' steady reader read as the monitor reads: every MONITOR_INTERVAL_MS. In the rounds it
 * reads once a round, seconds apart (at 20,000 processes, over ten), where a sleeper is more
 * likely due for its stat by the run checks' bound (fullStatEveryMs, 10 s) than between two
 * refreshes of the monitor. (The same reader, not a fresh one: at 20,000 processes against a limit
 * of 20,000 a second reader would find the budget of handles taken.) Returns the counted samples
 * and the run checks held after.
 */
async function pacedSteady(reader) {
  const samples = [];
  for (let i = 0; i < PACED_READS; i++) {
    const sample = await timed(async () => (await reader.snapshot()).processes.length);
    if (i >= PACED_WARMUP) samples.push(sample);
    await new Promise((resolve) => setTimeout(resolve, MONITOR_INTERVAL_MS));
  }
  return { samples, runChecks: keptHandlesWithReaders('schedstat') };
}

function listPids(procRoot) {
  return readdirSync(procRoot).filter((name) => /^[1-9]\d*$/.test(name)).map(Number);
}

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const ratio = (value, floor) => `${(value / floor).toFixed(2)}×`;

const FLOOR_A = 'C floor (a): stat of every pid';
const FLOOR_B = 'C floor (b): stat + dir stat + cmdline + exe';
const FLOOR_C = 'C floor (c): pread on kept stat handles';
const NATIVE_FIRST = 'native first snapshot (fresh reader)';
const NATIVE_STEADY = 'native steady-state refresh';
const PIDUSAGE = 'pidusage (all pids)';
const PS = 'ps -eo pid,ppid,pcpu,rss,comm';
/**
 * Idle windows, each as long as the native first snapshot (or steady refresh) that ran just before
 * it in the same round: the machine's own event-loop noise over the same time. The longest delay
 * over a window grows with its length (a 50 ms window at 20,000 processes saw 1.2 ms where 200 ms
 * windows saw up to 5.9 ms), so a baseline shorter than the runs it is set beside understates it.
 */
const IDLE = 'idle (event-loop noise baseline, as long as the first snapshot)';
const IDLE_STEADY = 'idle (as long as the steady refresh)';
/** Extra rounds of the native readers and idle windows watched with schedstat (after the timed ones). */
const DIAGNOSTIC_ROUNDS = 5;
const JS_STEADY = 'JS fallback steady refresh';
/** Rounds of the native readers on a busy box (spinners on every CPU), after everything else. */
const BUSY_ROUNDS = 7;

/**
 * Runs fn while `count` busy loops at nice 0 keep every CPU full: each in a session of its own
 * (detached: setsid), so the kernel's autogroup schedules it as another login's load, the way a
 * loaded machine proctop is sent to triage looks. The loops are this bench's own children,
 * stopped by PID when fn settles.
 */
async function onBusyBox(count, fn) {
  const command = dyingWithBench(['sh', '-c', 'while :; do :; done']);
  const spinners = Array.from({ length: count }, () => spawn(command[0], command.slice(1), { detached: true, stdio: 'ignore' }));
  for (const spinner of spinners) spinning.add(spinner);
  try {
    // Let them reach the CPUs (and the scheduler weigh them) before measuring.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return await fn();
  } finally {
    for (const spinner of spinners) {
      spinner.kill('SIGKILL');
      spinning.delete(spinner);
    }
  }
}

/**
 * The command run through `setpriv --pdeathsig KILL` where util-linux has it, so what it starts
 * dies with the bench even on kill -9 (in a session of its own, nothing else would stop it).
 */
function dyingWithBench(command) {
  pdeathsig ??= spawnSync('setpriv', ['--pdeathsig', 'KILL', 'true']).status === 0;
  return pdeathsig ? ['setpriv', '--pdeathsig', 'KILL', ...command] : command;
}
let pdeathsig = null;

/** Windows of the scheduling-group rounds (ms), and rounds of each kind. */
const GROUP_WINDOW_MS = 4000;
const GROUP_ROUNDS = 3;
const GROUP_CHILD = 'in a child process in this session';
const GROUP_OWN_SESSION = 'in a child process in a session of its own';
const GROUP_IDLE = 'idle (no reads)';
const GROUP_READER = fileURLToPath(new URL('./group-reader.mjs', import.meta.url));

/**
 * Which scheduling group the first snapshots' CPU time is charged to, and what it does to this
 * process's event loop: windows of GROUP_WINDOW_MS in which first snapshots are read back to back
 * by a child in this process's session, by a child in a session of its own (detached: setsid, so
 * the kernel's autogroup schedules it apart), or not at all, in turns, the same 1 ms monitor
 * watching this process's idle loop throughout. (Not in this process: fresh readers back to back,
 * with no GC between them to close the last ones' kept stat handles, run out of descriptors here,
 * where the steady reader's handles are open too, and then list a fraction of the processes; the
 * rounds above read in this process with a GC between runs.) With autogroup (Linux's default for
 * desktop and server kernels alike), CPU is shared fairly between sessions first and between the
 * threads of a session second: the reader's niceness orders it behind the JS thread inside the
 * session, but what the session as a whole used still decides how soon its turn comes again
 * while other sessions' work and kernel threads want the CPUs. A child in this session pays the
 * same; a child in a session of its own does not. Returns per kind: stalls over 5 and 10 ms, the
 * longest delay, snapshots read (and the processes they listed) and seconds watched.
 */
async function schedulingGroupRounds(libPath, procRoot, settle) {
  const kinds = [GROUP_CHILD, GROUP_OWN_SESSION, GROUP_IDLE];
  const totals = new Map(kinds.map((kind) => [kind, { stalls: 0, longStalls: 0, maxMs: 0, snapshots: 0, processes: 0, seconds: 0 }]));
  const startReader = async (ownSession) => {
    const command = dyingWithBench([process.execPath, GROUP_READER, libPath, procRoot]);
    const child = spawn(command[0], command.slice(1), { detached: ownSession, stdio: ['pipe', 'pipe', 'inherit'] });
    spinning.add(child);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    // Its reads start once it says so (Node's start-up and the library's load are not in the window); at most 10 s.
    for (let waited = 0; !output.includes('reading\n'); waited += 10) {
      if (waited >= 10_000 || child.exitCode !== null) throw new Error(`the scheduling-group reader did not start (${output.trim() || 'no output'})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return async () => {
      child.stdin.end();
      const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const status = await exited;
      clearTimeout(timeout);
      spinning.delete(child);
      // A reader that failed mid-window (its error is on stderr) read nothing to count stalls against.
      if (status !== 0) throw new Error(`the scheduling-group reader ended with ${status} (its error is above)`);
      const [count, processes] = (output.split('\n').at(-2) ?? '').split(' ').map(Number);
      return { count: count || 0, processes: processes || 0 };
    };
  };
  for (let round = 0; round < GROUP_ROUNDS; round++) {
    // Each round starts at another kind, so none always follows the same one.
    for (const kind of [...kinds.slice(round % kinds.length), ...kinds.slice(0, round % kinds.length)]) {
      await settle();
      const stopChild = kind === GROUP_IDLE ? null : await startReader(kind === GROUP_OWN_SESSION);
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      histogram.enable();
      const start = performance.now();
      await new Promise((resolve) => setTimeout(resolve, GROUP_WINDOW_MS));
      histogram.disable();
      const seconds = (performance.now() - start) / 1000;
      const read = stopChild ? await stopChild() : { count: 0, processes: 0 };
      const total = totals.get(kind);
      total.stalls += stallsOver(histogram, STALL_MS * 1e6);
      total.longStalls += stallsOver(histogram, 2 * STALL_MS * 1e6);
      total.maxMs = Math.max(total.maxMs, histogram.max / 1e6);
      total.snapshots += read.count;
      total.processes += read.processes;
      total.seconds += seconds;
    }
  }
  return totals;
}

/** The scheduling-group rounds as a line of the section (and their stall counts into figures). */
function groupText(group, figures) {
  const kind = (name) => {
    const total = group.get(name);
    const reads = name === GROUP_IDLE ? '' : `, ${total.snapshots} first snapshots of ${total.snapshots ? Math.round(total.processes / total.snapshots) : 0} processes`;
    return `${name}: ${total.stalls} over ${STALL_MS} ms, ${total.longStalls} over ${2 * STALL_MS} ms, longest ${total.maxMs.toFixed(1)} ms in ${total.seconds.toFixed(1)} s${reads}`;
  };
  figures.groupStallsChild = group.get(GROUP_CHILD).stalls;
  figures.groupStallsOwnSession = group.get(GROUP_OWN_SESSION).stalls;
  figures.groupStallsIdle = group.get(GROUP_IDLE).stalls;
  return (
    `Whose scheduling group pays for the reads (${GROUP_ROUNDS} rounds of ${GROUP_WINDOW_MS / 1000} s windows in turns, first snapshots back to back by a child process, ` +
    `this process's event loop watched by the same monitor throughout, its JS thread idle): read ${[GROUP_CHILD, GROUP_OWN_SESSION].map(kind).join('; read ')}; ${kind(GROUP_IDLE)}. ` +
    'With autogroup the kernel shares the CPUs between sessions before threads: a reader thread niced behind the JS thread still spends its session\'s turn.'
  );
}

/**
 * Busy loops running now. A bench stopped meanwhile (Ctrl-C, kill: scripts/bench.mjs exits from
 * its signal handler, so no finally runs) stops them on its way out: in sessions of their own,
 * nothing else would, and they kept both CPUs busy after a killed run until found by hand
 * (kill -9 runs no handler: there the parent-death signal setpriv gave them stops them).
 */
const spinning = new Set();
process.on('exit', () => {
  for (const spinner of spinning) spinner.kill('SIGKILL');
});

/**
 * Measures every reader on the live /proc.
 * @param {{ procs: number, runs?: number, lib: any, procRoot?: string }} options lib = the bundled proctop library
 * @returns {Promise<{ text: string, figures: Record<string, number> }>}
 */
export async function run({ procs, runs = 15, lib, procRoot = '/proc' }) {
  const floorStat = compileC('floor-stat');
  const floorFirst = compileC('floor-first');
  const floorKept = compileC('floor-stat-kept');
  const pidusage = require('pidusage');
  const notes = [];
  // The JS thread asks for the short scheduler slice the CLI's monitor and serve-metrics ask for
  // (preferShortTimeslice in src/sys/first-read.ts), once libuv's pool exists (made on the first
  // I/O queued, its threads would otherwise inherit the slice where reset-on-fork is not set).
  await stat(procRoot);
  const timeslice = lib.preferShortTimeslice();

  /** @type {{ name: string, once: () => Promise<{ ms: number, processes: number, loopDelayMs: number }> }[]} */
  const contenders = [
    { name: FLOOR_A, once: async () => floorOnce(floorStat, procRoot) },
    { name: FLOOR_B, once: async () => floorOnce(floorFirst, procRoot) },
    { name: FLOOR_C, once: async () => floorOnce(floorKept, procRoot) },
  ];
  const nativeSteady = lib.createNativeCollector(procRoot);
  if (typeof nativeSteady === 'string') {
    notes.push(`native addon unavailable: ${nativeSteady}`);
  } else {
    contenders.push(
      { name: NATIVE_FIRST, once: (options) => timed(async () => (await lib.createNativeCollector(procRoot).snapshot()).processes.length, options) },
      { name: NATIVE_STEADY, once: (options) => timed(async () => (await nativeSteady.snapshot()).processes.length, options) },
    );
  }
  const jsSteady = lib.createJsCollector(procRoot);
  contenders.push(
    { name: 'JS fallback first snapshot', once: () => timed(async () => (await lib.createJsCollector(procRoot).snapshot()).processes.length) },
    { name: JS_STEADY, once: () => timed(async () => (await jsSteady.snapshot()).processes.length) },
  );
  // pidusage keeps one open fd per pid (its history): past the fd limit it dies with EMFILE.
  const pidCount = listPids(procRoot).length;
  if (pidCount + FD_HEADROOM <= nofileLimit().soft) {
    contenders.push({ name: PIDUSAGE, once: () => timed(async () => Object.keys(await pidusage(listPids(procRoot))).length) });
  } else {
    notes.push(`pidusage skipped: it keeps one open fd per pid (${pidCount}) and the open-file limit is ${nofileLimit().soft}.`);
  }
  contenders.push(
    {
      name: PS,
      once: () =>
        timed(async () => {
          const result = spawnSync('ps', ['-eo', 'pid,ppid,pcpu,rss,comm'], { encoding: 'utf8', maxBuffer: 64 << 20 });
          if (result.status !== 0) throw new Error(`ps failed: ${result.stderr}`);
          return result.stdout.trim().split('\n').length - 1;
        }),
    },
  );
  /** The latest sample of every contender (round 0 included), for the idle windows' lengths. */
  const latest = new Map();
  const idleFor = (name) => (options) => timed(() => new Promise((resolve) => setTimeout(() => resolve(0), Math.max(20, latest.get(name)?.ms ?? 50))), options);
  if (typeof nativeSteady !== 'string') {
    contenders.push({ name: IDLE, once: idleFor(NATIVE_FIRST) }, { name: IDLE_STEADY, once: idleFor(NATIVE_STEADY) });
  }

  /**
   * Before each run: a full GC, so no contender pays for the garbage another one left; V8's
   * concurrent sweeping of it done; and the stat handles of first-snapshot readers that GC let go
   * closed. Their finalizers close them on a thread of their own, later still on a loaded box:
   * three readers of 6,000 handles each still open hit the 20,000 fd limit (EMFILE), and a
   * closing thread still at work took CPU from the next run (at 20,000 processes: 20,000 closes,
   * while the next first snapshot ran, were most of its event-loop delay). Waits at most 5 s for
   * the descriptors to fall to what the steady reader and pidusage hold (one per process each),
   * plus headroom, and to stop falling.
   */
  const fdsAtStart = readdirSync('/proc/self/fd').length;
  const settle = async () => {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const allowed = fdsAtStart + 2 * listPids(procRoot).length + FD_HEADROOM;
    let before = readdirSync('/proc/self/fd').length;
    for (let waited = 0; waited < 5000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const now = readdirSync('/proc/self/fd').length;
      if (now <= allowed && now >= before) break;
      before = now;
    }
  };
  const samples = new Map(contenders.map((c) => [c.name, []]));
  // Round 0 warms caches (and the steady readers' identity caches) and is not counted.
  /** What the machine's CPUs did over the counted rounds: all busy time, and this process's (and its reaped children's) share. */
  const machine = { busyMs: 0, oursMs: 0, wallMs: 0 };
  const machineNow = () => {
    const cpu = process.cpuUsage();
    return { busyMs: machineBusyMs(), oursMs: (cpu.user + cpu.system) / 1000 + childrenCpuMs(), wallMs: performance.now() };
  };
  let machineStart = null;
  for (let round = 0; round <= runs; round++) {
    if (round === 1) machineStart = machineNow();
    for (const contender of roundOrder(contenders)) {
      await settle();
      const sample = await contender.once();
      latest.set(contender.name, sample);
      if (round > 0) samples.get(contender.name).push(sample);
    }
  }
  if (machineStart) {
    const end = machineNow();
    for (const key of Object.keys(machine)) machine[key] = end[key] - machineStart[key];
  }
  pidusage.clear();
  // At the monitor's pace, not in the rounds' figures above.
  const paced = typeof nativeSteady === 'string' ? null : await pacedSteady(nativeSteady);
  // Busy-box rounds, not in any figure above: the native readers while busy loops hold every CPU.
  const busy = new Map([NATIVE_FIRST, NATIVE_STEADY].map((name) => [name, []]));
  const spinnerCount = availableParallelism();
  await onBusyBox(spinnerCount, async () => {
    for (let round = 0; round < BUSY_ROUNDS; round++) {
      for (const contender of contenders.filter((c) => busy.has(c.name))) {
        await settle();
        busy.get(contender.name).push(await contender.once());
      }
    }
  });
  // Diagnostic rounds, not in any figure above: the same native runs and idle windows, watched
  // with schedstat to tell the reader's own stalls from the machine's.
  const watched = new Map([NATIVE_FIRST, NATIVE_STEADY, IDLE].map((name) => [name, []]));
  otherTasks = schedstat ? openOtherTasks() : null;
  for (let round = 0; round < Math.min(runs, DIAGNOSTIC_ROUNDS) && schedstat; round++) {
    for (const contender of contenders.filter((c) => watched.has(c.name))) {
      await settle();
      const sample = await contender.once({ watch: true });
      latest.set(contender.name, sample);
      watched.get(contender.name).push(sample);
    }
  }
  otherTasks?.close();
  otherTasks = null;
  // Scheduling-group rounds, not in any figure above: whose CPU time the first snapshots' is.
  const group = typeof nativeSteady === 'string' ? null : await schedulingGroupRounds(LIBRARY_BUNDLE, procRoot, settle);

  const figures = {};
  const rows = [];
  for (const contender of contenders) {
    const list = samples.get(contender.name);
    figures[contender.name] = median(list.map((s) => s.ms));
    figures[`${contender.name} (CPU)`] = median(list.map((s) => s.cpuMs));
    if (contender.name !== IDLE && contender.name !== IDLE_STEADY) {
      rows.push({ name: contender.name, ms: figures[contender.name], cpuMs: figures[`${contender.name} (CPU)`], processes: list.at(-1).processes });
    }
  }
  const maxDelay = (name) => Math.max(0, ...(samples.get(name) ?? []).map((s) => s.loopDelayMs));
  /** The longest gap of the 1 ms timer over a contender's runs, with the JS thread's run and wait time in it. */
  const longestGap = (name) =>
    (watched.get(name) ?? []).map((s) => s.longestGap).filter(Boolean).reduce((a, b) => (b.gapMs > a.gapMs ? b : a), { gapMs: 0, runMs: 0, waitMs: 0 });
  /** The longest GC (performance 'gc' entries) that ran inside one of a contender's timed runs, as text: ms and kind. */
  const longestGcPause = (name) => {
    const inside = (samples.get(name) ?? []).flatMap((s) => gcWindows.filter(([from, to]) => to >= s.start && from <= s.end).map((gc) => [...gc, gc[0] - s.start]));
    const longest = inside.reduce((a, b) => (b[1] - b[0] > a[1] - a[0] ? b : a), [0, 0, 0, 0]);
    const ms = longest[1] - longest[0];
    return ms > 0 ? `${ms.toFixed(1)} ms (${GC_KINDS[longest[2]] ?? `kind ${longest[2]}`}, ${longest[3].toFixed(1)} ms into the run; ${inside.length} GCs in ${samples.get(name)?.length ?? 0} runs)` : '0.0 ms';
  };
  /** The longest the JS thread itself ran between two ticks of the 1 ms timer, over a contender's runs. */
  const longestHeld = (name) => Math.max(0, ...(watched.get(name) ?? []).map((s) => s.longestGap?.heldMs ?? 0));
  const gapText = (gap) => `${gap.gapMs.toFixed(1)} ms (JS thread running ${gap.runMs.toFixed(1)} ms, waiting for a CPU ${gap.waitMs.toFixed(1)} ms)`;
  /** Who held the CPUs in a contender's longest gap: this process's other threads by role, and what was left of the machine's CPU time. */
  const heldText = (gap) => {
    const held = gap.held ?? {};
    const ours = Object.values(held).reduce((a, b) => a + b, 0) + gap.runMs;
    const parts = Object.entries(held).map(([role, ms]) => `${role} ${ms.toFixed(1)} ms`);
    const left = Math.max(0, availableParallelism() * gap.gapMs - ours);
    const whose =
      gap.idleMs === null || gap.idleMs === undefined
        ? `${left.toFixed(1)} ms of the ${availableParallelism()} CPUs' time left to other processes (or idle)`
        : `of the ${availableParallelism()} CPUs' time left, ${Math.max(0, left - gap.idleMs).toFixed(1)} ms went to other processes and ${Math.min(left, gap.idleMs).toFixed(1)} ms was idle (cpuidle)`;
    const named = Object.entries(gap.others ?? {})
      .filter(([, ms]) => ms >= 0.1)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([comm, ms]) => `${lib.sanitizeText(comm)} ${ms.toFixed(1)} ms`);
    return `${parts.length ? parts.join(', ') : 'no other thread of this process'}; ${whose}${named.length ? ` (by name: ${named.join(', ')})` : ''}`;
  };
  const floorA = figures[FLOOR_A];
  const floorB = figures[FLOOR_B];
  const floorACpu = figures[`${FLOOR_A} (CPU)`];
  const floorC = figures[FLOOR_C];
  const floorCCpu = figures[`${FLOOR_C} (CPU)`];
  const lines = [
    `### Snapshot: ${procs} farm processes (${rows[0].processes} visible), median of ${runs} interleaved runs (each round in its own shuffled order)`,
    '',
    '| reader | processes | median ms | vs floor (a) | vs floor (b) | vs floor (c) | CPU ms | CPU vs floor (a) | CPU vs floor (c) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${row.processes} | ${fmt(row.ms)} | ${ratio(row.ms, floorA)} | ${ratio(row.ms, floorB)} | ${ratio(row.ms, floorC)} | ` +
        `${fmt(row.cpuMs)} | ${ratio(row.cpuMs, floorACpu)} | ${ratio(row.cpuMs, floorCCpu)} |`,
    ),
    '',
    'CPU ms: user + system time of every thread of the reader (and of reaped children for ps, at 10 ms granularity).',
    ...(figures[`${IDLE_STEADY} (CPU)`] !== undefined
      ? [
          `The in-process readers' CPU includes this bench's event-loop monitor (a 1 ms timer), which the C floors do not pay: ` +
            `${fmt(figures[`${IDLE_STEADY} (CPU)`])} ms over an idle window as long as the steady refresh (median), ` +
            `${fmt(figures[`${IDLE} (CPU)`])} ms over one as long as the first snapshot.`,
        ]
      : []),
    'Floor (c) opens every stat once before its timed round, then lists /proc and preads each kept handle (opening only new PIDs).',
    `Open-file limit of this bench and its floors (soft/hard): ${nofileLimit().soft}/${nofileLimit().hard}.`,
    ...(machine.wallMs > 0
      ? [
          `Other processes on this machine (kernel threads included, whatever PID namespace this bench runs in) used ` +
            `${fmt(Math.max(0, machine.busyMs - machine.oursMs) / (machine.wallMs / 1000))} ms of CPU per second of these rounds ` +
            `(${((100 * Math.max(0, machine.busyMs - machine.oursMs)) / (availableParallelism() * machine.wallMs)).toFixed(0)}% of its ${availableParallelism()} CPUs; /proc/stat, 10 ms ticks).`,
        ]
      : []),
    '',
  ];
  if (figures[NATIVE_STEADY] !== undefined) {
    const first = figures[NATIVE_FIRST];
    const steady = figures[NATIVE_STEADY];
    const stall = Math.max(maxDelay(NATIVE_FIRST), maxDelay(NATIVE_STEADY));
    figures.loopDelayFirstMs = maxDelay(NATIVE_FIRST);
    figures.loopDelaySteadyMs = maxDelay(NATIVE_STEADY);
    figures.loopDelayIdleMs = maxDelay(IDLE);
    figures.loopDelayIdleSteadyMs = maxDelay(IDLE_STEADY);
    /** Stalls over STALL_MS over a contender's timed runs, and the seconds those runs lasted. */
    const stallCount = (name) => {
      const list = samples.get(name) ?? [];
      return { stalls: list.reduce((sum, s) => sum + (s.stalls ?? 0), 0), seconds: list.reduce((sum, s) => sum + s.ms, 0) / 1000 };
    };
    const stallText = (name) => {
      const { stalls, seconds } = stallCount(name);
      return `${stalls} in ${seconds.toFixed(1)} s`;
    };
    for (const [key, name] of [['First', NATIVE_FIRST], ['Steady', NATIVE_STEADY], ['IdleFirst', IDLE], ['IdleSteady', IDLE_STEADY]]) {
      figures[`stalls${key}`] = stallCount(name).stalls;
    }
    lines.push(
      `Max event-loop delay while native snapshots ran (monitorEventLoopDelay, 1 ms resolution): ` +
        `first ${figures.loopDelayFirstMs.toFixed(1)} ms, steady ${figures.loopDelaySteadyMs.toFixed(1)} ms; ` +
        `the same monitor over idle windows in the same rounds, each as long as the run before it (the machine's own noise over the same time): ` +
        `${figures.loopDelayIdleMs.toFixed(1)} ms beside the first snapshots, ${figures.loopDelayIdleSteadyMs.toFixed(1)} ms beside the steady refreshes ` +
        `(load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} CPUs). ` +
        (timeslice.applied
          ? `The JS thread ran with a ${timeslice.sliceNs / 1e6} ms scheduler slice, as the CLI's monitor asks for (preferShortTimeslice in src/sys/first-read.ts).`
          : `The JS thread ran with the kernel's default scheduler slice (${timeslice.reason}).`),
      `Stalls over ${STALL_MS} ms (delays of the same monitor): first snapshots ${stallText(NATIVE_FIRST)}, idle windows beside them ${stallText(IDLE)}; ` +
        `steady refreshes ${stallText(NATIVE_STEADY)}, idle windows beside them ${stallText(IDLE_STEADY)}.`,
      ...(group ? [groupText(group, figures)] : []),
      `Longest GC pause inside a run (while the loop waited): ` +
        `native first ${longestGcPause(NATIVE_FIRST)}, steady ${longestGcPause(NATIVE_STEADY)}.`,
      ...(schedstat
        ? [
            `In ${watched.get(IDLE).length} more rounds watched with schedstat, the longest gap of a 1 ms timer and what the JS thread did in it: first ${gapText(longestGap(NATIVE_FIRST))}; ` +
              `steady ${gapText(longestGap(NATIVE_STEADY))}; idle ${gapText(longestGap(IDLE))}. ` +
              'Running is the reader\'s own synchronous work (completion callback, decoding, GC); waiting is other load holding every CPU. ' +
              `Longest the JS thread itself ran between two ticks: first ${longestHeld(NATIVE_FIRST).toFixed(1)} ms, steady ${longestHeld(NATIVE_STEADY).toFixed(1)} ms, idle ${longestHeld(IDLE).toFixed(1)} ms.`,
            `Who held the CPUs in those longest gaps (run time of this process's other threads; a thread running on another CPU is accounted at the scheduler tick, so these are coarse): ` +
              `first: ${heldText(longestGap(NATIVE_FIRST))}; steady: ${heldText(longestGap(NATIVE_STEADY))}; idle: ${heldText(longestGap(IDLE))}.`,
          ]
        : []),
      '',
    );
    for (const [key, name] of [['First', NATIVE_FIRST], ['Steady', NATIVE_STEADY]]) {
      const gap = longestGap(name);
      figures[`loopGap${key}RunMs`] = gap.runMs;
      figures[`loopGap${key}WaitMs`] = gap.waitMs;
      figures[`loopHeld${key}Ms`] = longestHeld(name);
    }
    const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;
    const allocation = (name) => {
      const found = allocationMedian(samples.get(name));
      return found ? `${kb(found.bytes)} (median of ${found.runs} runs with no GC inside)` : 'n/a (a GC ran during every run)';
    };
    const steadyAllocation = allocationMedian(samples.get(NATIVE_STEADY));
    if (steadyAllocation) figures.allocatedSteadyBytes = steadyAllocation.bytes;
    lines.push(
      `Bytes allocated per refresh (V8 heap + ArrayBuffer growth during the call): native steady ${allocation(NATIVE_STEADY)}, ` +
        `native first ${allocation(NATIVE_FIRST)}, JS fallback steady ${allocation(JS_STEADY)}.`,
      '',
    );
    lines.push(
      `/proc/PID/stat handles open after the rounds: ${keptHandles()} in this bench process (pidusage's, when it ran), ${keptHandlesWithReaders() - keptHandles()} in its reader processes (the steady reader's, plus first-snapshot readers not yet collected).`,
      '',
    );
    if (paced) {
      figures.pacedSteadyMs = median(paced.samples.map((s) => s.ms));
      figures.pacedSteadyCpuMs = median(paced.samples.map((s) => s.cpuMs));
      lines.push(
        `Steady refresh at the monitor's pace (the same steady reader, read ${MONITOR_INTERVAL_MS} ms apart, median of the last ${paced.samples.length} of ${PACED_READS}): ` +
          `${fmt(figures.pacedSteadyMs)} ms (CPU ${fmt(figures.pacedSteadyCpuMs)} ms), ${ratio(figures.pacedSteadyMs, floorC)} floor (c); ` +
          `the rounds' steady reader, once a round: ${fmt(steady)} ms. Run checks held after (kept /proc/PID/schedstat handles, README Design: run checks): ${paced.runChecks}.`,
        '',
      );
    }
    const check = (ok, text) => `- [${ok ? 'x' : ' '}] ${text}`;
    lines.push(
      'Targets (set for N=5000):',
      check(steady <= 1.2 * floorC, `steady refresh ≤ 1.2× floor (c): ${ratio(steady, floorC)} (CPU ${ratio(figures[`${NATIVE_STEADY} (CPU)`], floorCCpu)})`),
      ...(paced ? [check(figures.pacedSteadyMs <= 1.2 * floorC, `steady refresh at the monitor's pace ≤ 1.2× floor (c): ${ratio(figures.pacedSteadyMs, floorC)}`)] : []),
      check(steady <= 1.3 * floorA, `steady refresh ≤ 1.3× floor (a): ${ratio(steady, floorA)}`),
      check(first <= 1.5 * floorB, `first snapshot ≤ 1.5× floor (b): ${ratio(first, floorB)}`),
      ...(figures[PIDUSAGE] === undefined
        ? []
        : [check(steady < figures[PIDUSAGE] && first < figures[PIDUSAGE], `faster than pidusage: ${ratio(figures[PIDUSAGE], steady)} (steady), ${ratio(figures[PIDUSAGE], first)} (first)`)]),
      check(figures[PS] >= 4 * steady, `≥ 4× faster than ps: ${ratio(figures[PS], steady)} (steady), ${ratio(figures[PS], first)} (first)`),
      check(stall <= 5, `no event-loop stall > 5 ms: max ${stall.toFixed(1)} ms (idle baseline over the same time: ${figures.loopDelayIdleMs.toFixed(1)} ms)`),
      '',
    );
  }
  if (busy.get(NATIVE_STEADY)?.length) {
    const busyMedian = (name) => median(busy.get(name).map((s) => s.ms));
    const busyCpu = (name) => median(busy.get(name).map((s) => s.cpuMs));
    const busyDelay = (name) => Math.max(...busy.get(name).map((s) => s.loopDelayMs));
    figures.busySteadyMs = busyMedian(NATIVE_STEADY);
    figures.busyFirstMs = busyMedian(NATIVE_FIRST);
    lines.push(
      `Busy box: ${spinnerCount} busy loops at nice 0, each in a session of its own (another login's load), on the ${availableParallelism()} CPUs, median of ${BUSY_ROUNDS} runs: ` +
        `native steady refresh ${fmt(figures.busySteadyMs)} ms (CPU ${fmt(busyCpu(NATIVE_STEADY))} ms; quiet ${fmt(figures[NATIVE_STEADY])} ms), ` +
        `first snapshot ${fmt(figures.busyFirstMs)} ms (CPU ${fmt(busyCpu(NATIVE_FIRST))} ms; quiet ${fmt(figures[NATIVE_FIRST])} ms); ` +
        `max event-loop delay there: first ${busyDelay(NATIVE_FIRST).toFixed(1)} ms, steady ${busyDelay(NATIVE_STEADY).toFixed(1)} ms ` +
        '(the reader runs niced on a thread of its own, so the JS thread wins a CPU it shares with it; this says what that costs the read when the box is full).',
      '',
    );
  }
  lines.push(...notes);
  return { text: lines.join('\n'), figures };
}
