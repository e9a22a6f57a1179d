import { interruptPending, noteContinued, noteStopped, recordOnInterrupt } from './stopped-members.js';
import type { ProcessIdentity, ProcessStatus, SignalDelivery } from '../sys/types.js';
import { formatDuration } from '../util/duration.js';
import { currentActor } from '../storage/audit-log.js';
import type { ActionDeps } from './deps.js';
import { isSelfOrAncestor, refusalFor } from './guards.js';
import { toAuditTarget } from './kill-many.js';
import { addNewcomers, collectTree, hasExited, processStatusOf, type TreeMember, type TreeRelation } from './process-tree.js';
import { SIGNAL_NUMBERS, signalName } from './signals.js';
import { formatLadder, ladderProblem, type Ladder } from './ladder.js';

/**
 * What became of one member: exited-after-signal (gone before escalation), killed (gone after
 * the kill signal), already-gone (exited before we signalled it), reused (its PID now belongs to
 * another process), failed (see reason: permission, still running...), protected (never touched).
 */
export type MemberFate = 'exited-after-signal' | 'killed' | 'already-gone' | 'reused' | 'failed' | 'protected';

export interface MemberReport {
  readonly pid: number;
  readonly startTime: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly comm: string;
  readonly uid: number;
  /** User name of uid (the uid as text when it has no passwd entry). */
  readonly user: string;
  /** How it was found: root, descendant (by ppid), group/session (led by the root), newcomer (appeared after the signal). */
  readonly relation: TreeRelation;
  readonly fate: MemberFate;
  /** Why, for failed / protected / reused. */
  readonly reason: string | null;
  /** Every signal actually delivered to it, in order (STOP and CONT included). */
  readonly signalsSent: readonly number[];
  /** The ladder rung whose signal ended it (index and signal), null unless it exited after a signal. */
  readonly endedByRung: number | null;
  readonly endedBy: number | null;
}

export interface TerminateTreeOptions {
  /**
   * The stop ladder: each rung's signal goes to the members still running (the tree frozen
   * around it), which get the rung's window to exit. Default: the two rungs
   * signal:graceMs, killSignal:killAfterMs below.
   */
  readonly ladder?: Ladder;
  /** First signal (default TERM). */
  readonly signal?: number;
  /** Escalation signal for survivors of the grace window (default KILL). */
  readonly killSignal?: number;
  /** How long members may take to exit after the first signal before escalation (default 5 s). */
  readonly graceMs?: number;
  /** How long survivors may take to die after the kill signal before giving up (default 10 s). */
  readonly killAfterMs?: number;
  /** The root's identity as the caller saw it (TUI row, confirmation): a different process is refused. */
  readonly expectedStartTime?: number;
  /** Refuse unless the root's exe link names this path. */
  readonly requireExePath?: string;
  /** Refuse unless the root started at this Unix epoch ms (±1 s: btime has one-second resolution). */
  readonly requireStartTimeMs?: number;
  /** Allow a tree rooted at an ancestor of proctop (proctop and its other ancestors are never members). */
  readonly force?: boolean;
  /** How often exits are checked while waiting (default 100 ms). */
  readonly pollIntervalMs?: number;
  /** How often the process table is re-read for newcomers while waiting (default 300 ms). */
  readonly rescanIntervalMs?: number;
  /** Bound on stop-and-rescan rounds before giving up on a still-growing tree (default 10). */
  readonly maxFreezeRounds?: number;
  readonly onProgress?: (progress: TreeProgress) => void;
}

export type TreeProgress =
  | { readonly phase: 'planned'; readonly members: number }
  | { readonly phase: 'stopped'; readonly stopped: number; readonly members: number }
  | { readonly phase: 'signalled'; readonly signal: number; readonly sent: number; readonly rung: number }
  | { readonly phase: 'waiting'; readonly remaining: number; readonly elapsedMs: number; readonly windowMs: number; readonly escalated: boolean; readonly rung: number }
  | { readonly phase: 'escalated'; readonly killSignal: number; readonly survivors: number; readonly rung: number }
  | { readonly phase: 'done'; readonly result: TerminateTreeResult };

export interface TerminateTreeResult {
  /** The ladder that ran (signal/killSignal below are its first and last rungs). */
  readonly ladder: Ladder;
  /** The root as identified (null when the PID resolved to nothing). */
  readonly root: (ProcessIdentity & { readonly comm: string }) | null;
  /** The root's process group. */
  readonly pgid: number | null;
  readonly signal: number;
  readonly killSignal: number;
  /** Set when a guard refused the whole operation: nothing was sent. */
  readonly refusal: string | null;
  /** A rung after the first was needed. */
  readonly escalated: boolean;
  /** Every member (protected ones aside) is gone. */
  readonly exited: boolean;
  /** Some member was still running when the kill-after window closed. */
  readonly timedOut: boolean;
  /** guaranteed: pidfds throughout, the tree was frozen completely, nothing failed; else best_effort. */
  readonly reliability: 'guaranteed' | 'best_effort';
  readonly members: readonly MemberReport[];
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}

/** The tree as it will be acted on (shown in confirmations). */
export interface TreePlan {
  readonly root: ProcessStatus;
  /** Root first, then the rest in discovery order. */
  readonly members: readonly TreeMember[];
  /** Members guards forbid touching, with why (never signalled). */
  readonly spared: ReadonlyMap<number, string>;
}

/** Start-time guard tolerance: the kernel's boot time (btime) is whole seconds. */
const START_TIME_TOLERANCE_MS = 1000;

/** A root given as a bare PID, or as the exact identity the caller saw (then a reused PID is refused). */
export type TreeRoot = number | ProcessIdentity;

function rootParts(root: TreeRoot, options: TerminateTreeOptions): { rootPid: number; expectedStartTime: number | undefined } {
  if (typeof root === 'number') return { rootPid: root, expectedStartTime: options.expectedStartTime };
  return { rootPid: root.pid, expectedStartTime: root.startTime };
}

/** Resolves the root, checks every guard and snapshots the tree; a string is the refusal. */
export async function planTree(rootGiven: TreeRoot, deps: ActionDeps, options: TerminateTreeOptions = {}): Promise<TreePlan | string> {
  const { rootPid, expectedStartTime } = rootParts(rootGiven, options);
  const numberRefusal = refusalFor({ pid: rootPid }, deps.self, true);
  if (numberRefusal) return numberRefusal.reason;
  const root = await deps.collector.readProcess(rootPid);
  if (!root || hasExited(root)) return `no running process with PID ${rootPid}`;
  if (expectedStartTime !== undefined && root.startTime !== expectedStartTime) {
    return `PID ${rootPid} was reused: start time is ${root.startTime}, expected ${expectedStartTime}`;
  }
  const rootRefusal = refusalFor(root, deps.self, options.force ?? false);
  if (rootRefusal) return `root PID ${rootPid}: ${rootRefusal.reason}`;
  if (options.requireExePath !== undefined) {
    const exe = (await deps.collector.readLink(rootPid, 'exe')).path;
    const wanted = options.requireExePath;
    const wantedReal = await deps.collector.resolvePath(wanted);
    if (exe === null) return `--require-exe-path: cannot read the executable of PID ${rootPid}`;
    if (exe !== wanted && exe !== wantedReal) return `--require-exe-path: PID ${rootPid} runs ${exe}, not ${wanted}`;
  }
  if (options.requireStartTimeMs !== undefined) {
    const { bootTimeMs, clockTicks } = await deps.collector.systemInfo();
    const startMs = bootTimeMs + (root.startTime * 1000) / clockTicks;
    if (Math.abs(startMs - options.requireStartTimeMs) > START_TIME_TOLERANCE_MS) {
      return `--require-start-time-ms: PID ${rootPid} started at ${Math.round(startMs)}, not ${options.requireStartTimeMs}`;
    }
  }
  const members = collectTree(await listProcesses(deps), root, notMember(root, deps));
  const spared = new Map<number, string>();
  for (const m of members) {
    const refusal = m.relation === 'root' ? null : refusalFor(m, deps.self, options.force ?? false);
    if (refusal) spared.set(m.pid, refusal.reason);
  }
  return { root, members, spared };
}

/** The whole process table now, through the collector's snapshot (one reader for everything). */
async function listProcesses(deps: ActionDeps): Promise<ProcessStatus[]> {
  return (await deps.collector.snapshot()).processes.map(processStatusOf);
}

/** proctop itself and its ancestors are never members of a tree it terminates (the root aside, under --force). */
function notMember(root: ProcessIdentity, deps: ActionDeps): (entry: ProcessStatus) => boolean {
  return (entry) => entry.pid !== root.pid && isSelfOrAncestor(entry, deps.self);
}

/** Mutable bookkeeping of one member during the operation. */
interface Tracked {
  readonly member: TreeMember;
  fate: MemberFate | null;
  reason: string | null;
  stopped: boolean;
  signalled: boolean;
  killed: boolean;
  readonly signalsSent: number[];
  /** The rung whose signal it last got (the one that ended it, once it is gone). */
  rung: number | null;
}

/**
 * Terminates a process tree: plan and guard, stop every member (so none forks away), send the
 * signal, continue them, watch exits for the grace window while re-scanning for newcomers,
 * stop + kill-signal the survivors, and wait (bounded) for them. Every step is identity-checked.
 */
export async function terminateTree(rootGiven: TreeRoot, options: TerminateTreeOptions, deps: ActionDeps): Promise<TerminateTreeResult> {
  const started = deps.now();
  const { rootPid } = rootParts(rootGiven, options);
  const ladder = treeLadder(options);
  const signal = ladder[0]!.signal;
  const killSignal = ladder[ladder.length - 1]!.signal;
  const pollMs = options.pollIntervalMs ?? 100;
  const rescanMs = options.rescanIntervalMs ?? 300;
  const maxRounds = options.maxFreezeRounds ?? 10;
  const force = options.force ?? false;
  const warnings: string[] = [];
  let reliable = true;
  const warn = (w: string): void => {
    if (!warnings.includes(w)) warnings.push(w);
  };

  const plan = unusableLadder(ladder) ?? (await planTree(rootGiven, deps, options));
  if (typeof plan === 'string') {
    const result: TerminateTreeResult = {
      ladder, root: null, pgid: null, signal, killSignal, refusal: plan, escalated: false, exited: false, timedOut: false,
      reliability: 'best_effort', members: [], warnings, elapsedMs: deps.now() - started,
    };
    await audit(deps, result, warnings, `refused: ${plan}`, rootPid);
    return { ...result, warnings };
  }
  const { root } = plan;
  const byPid = new Map<number, TreeMember>();
  const tracked: Tracked[] = [];
  const track = (member: TreeMember, spareReason: string | null): void => {
    byPid.set(member.pid, member);
    const t: Tracked = { member, fate: null, reason: null, stopped: false, signalled: false, killed: false, signalsSent: [], rung: null };
    if (spareReason !== null) [t.fate, t.reason] = ['protected', spareReason];
    else if (hasExited(member)) [t.fate, t.reason] = ['already-gone', 'zombie: exited, not yet reaped'];
    tracked.push(t);
  };
  for (const m of plan.members) track(m, plan.spared.get(m.pid) ?? null);
  options.onProgress?.({ phase: 'planned', members: tracked.length });
  const pending = (): Tracked[] => tracked.filter((t) => t.fate === null);
  const adopt = (entries: readonly ProcessStatus[], relation: TreeRelation): Tracked[] => {
    const added = addNewcomers(entries, root, byPid, relation, notMember(root, deps));
    for (const m of added) track(m, refusalFor(m, deps.self, force)?.reason ?? null);
    return tracked.slice(tracked.length - added.length);
  };

  // Sends one identity-checked signal and settles the member's fate on anything but 'sent'.
  const deliver = async (t: Tracked, sig: number, fateIfExited: MemberFate): Promise<boolean> => {
    // Interrupted (SIGINT/SIGTERM): nothing more goes out while the record is written.
    if (interruptPending()) return false;
    let d: SignalDelivery;
    try {
      d = await deps.collector.signal({ pid: t.member.pid, startTime: t.member.startTime }, sig);
    } catch (err) {
      d = { outcome: 'error', error: (err as Error).message, viaPidfd: false, warnings: [] };
    }
    d.warnings.forEach(warn);
    if (!d.viaPidfd) reliable = false;
    if (d.outcome === 'sent') {
      t.signalsSent.push(sig);
      return true;
    }
    if (d.outcome === 'exited') [t.fate, t.reason] = [fateIfExited, null];
    else if (d.outcome === 'reused') [t.fate, t.reason] = ['reused', d.error ?? 'PID reused by another process'];
    else {
      [t.fate, t.reason] = ['failed', `${signalName(sig)}: ${d.outcome === 'permission' ? 'permission denied' : (d.error ?? d.outcome)}`];
      reliable = false;
    }
    return false;
  };

  // Recorded (hooks and watchdog) before the signals, so an interrupt at any point, even SIGKILL,
  // continues them; one record for the whole round, then one SIGSTOP each.
  const stopAll = async (round: readonly Tracked[]): Promise<void> => {
    if (round.length === 0) return;
    const watchdogProblem = await noteStopped(round.map((t) => t.member), deps.collector);
    if (watchdogProblem) {
      warn(watchdogProblem);
      reliable = false;
    }
    for (const t of round) {
      t.stopped = await deliver(t, SIGNAL_NUMBERS.STOP, 'already-gone');
      if (!t.stopped) noteContinued(t.member);
    }
  };

  // Stop every pending member, re-read the table, adopt newcomers, repeat until nothing new appears.
  const freeze = async (relation: TreeRelation): Promise<void> => {
    for (let round = 0; ; round++) {
      await stopAll(pending().filter((t) => !t.stopped));
      const added = adopt(await listProcesses(deps), relation);
      if (added.every((t) => t.fate !== null)) break;
      if (round + 1 >= maxRounds) {
        warn(`the tree was still growing after ${maxRounds} stop-and-rescan rounds`);
        reliable = false;
        await stopAll(pending().filter((t) => !t.stopped));
        break;
      }
    }
    options.onProgress?.({ phase: 'stopped', stopped: tracked.filter((t) => t.stopped).length, members: tracked.length });
  };

  const resume = async (): Promise<void> => {
    for (const t of tracked) {
      if (!t.stopped) continue;
      t.stopped = false;
      const d = await deps.collector.signal({ pid: t.member.pid, startTime: t.member.startTime }, SIGNAL_NUMBERS.CONT).catch(() => null);
      if (d?.outcome === 'sent') t.signalsSent.push(SIGNAL_NUMBERS.CONT);
      noteContinued(t.member);
    }
  };

  // Watches pending members until none is left or the window closes; newcomers are adopted on each rescan.
  const watch = async (windowMs: number, rungIndex: number): Promise<void> => {
    const escalated = rungIndex > 0;
    const rungSignal = ladder[rungIndex]!.signal;
    const windowStart = deps.now();
    let nextRescan = windowStart;
    for (;;) {
      for (const t of pending()) {
        const now = await deps.collector.readProcess(t.member.pid);
        if (!now || now.startTime !== t.member.startTime || hasExited(now)) {
          [t.fate, t.reason] = [t.killed ? 'killed' : 'exited-after-signal', null];
        }
      }
      const elapsed = deps.now() - windowStart;
      const closing = elapsed >= windowMs;
      if (deps.now() >= nextRescan || closing) {
        const scanStart = deps.now();
        const added = adopt(await listProcesses(deps), 'newcomer');
        // On a huge process table a scan is costly: never spend more than a third of the time scanning.
        const scanCost = deps.now() - scanStart;
        // After escalation a newcomer gets this rung's signal at once: the window is all it has left.
        if (escalated) for (const t of added) if (t.fate === null && (await deliver(t, rungSignal, 'exited-after-signal'))) [t.killed, t.rung] = [true, rungIndex];
        nextRescan = deps.now() + Math.max(rescanMs, 2 * scanCost);
      }
      const remaining = pending().length;
      options.onProgress?.({ phase: 'waiting', remaining, elapsedMs: Math.round(elapsed), windowMs, escalated, rung: rungIndex });
      if (remaining === 0 || closing) return;
      await deps.sleep(Math.max(1, Math.min(pollMs, windowMs - elapsed)));
    }
  };

  const report = (): MemberReport[] =>
    tracked.map((t) => ({
      pid: t.member.pid,
      startTime: t.member.startTime,
      ppid: t.member.ppid,
      pgid: t.member.pgid,
      comm: t.member.comm,
      uid: t.member.uid,
      user: t.member.user,
      relation: t.member.relation,
      fate: t.fate ?? 'failed',
      reason: t.reason,
      signalsSent: t.signalsSent,
      endedByRung: (t.fate === 'exited-after-signal' || t.fate === 'killed') && t.rung !== null ? t.rung : null,
      endedBy: (t.fate === 'exited-after-signal' || t.fate === 'killed') && t.rung !== null ? ladder[t.rung]!.signal : null,
    }));
  // Interrupted before the end: the record still says what was sent to whom, and that it was cut short.
  const stopRecording = recordOnInterrupt(async (interruptSignal) => {
    const partial = report().map((m) => (m.fate === 'failed' && m.reason === null ? { ...m, reason: `interrupted by ${interruptSignal}` } : m));
    const result: TerminateTreeResult = {
      ladder, root: { pid: root.pid, startTime: root.startTime, comm: root.comm }, pgid: root.pgid, signal, killSignal, refusal: null,
      escalated: false, exited: false, timedOut: false, reliability: 'best_effort', members: partial, warnings: [...warnings], elapsedMs: Math.round(deps.now() - started),
    };
    const sent = partial.filter((m) => m.signalsSent.length > 0).length;
    await audit(deps, result, [...warnings], `interrupted by ${interruptSignal}: ladder ${formatLadder(ladder)}, signals sent to ${sent} of ${partial.length}`, rootPid);
  });

  let escalated = false;
  try {
    for (let index = 0; index < ladder.length; index++) {
      const rung = ladder[index]!;
      if (index > 0) {
        if (pending().length === 0) break;
        escalated = true;
        options.onProgress?.({ phase: 'escalated', killSignal: rung.signal, survivors: pending().length, rung: index });
      }
      await freeze(index === 0 ? 'descendant' : 'newcomer');
      let sent = 0;
      for (const t of pending()) {
        if (await deliver(t, rung.signal, index === 0 ? 'already-gone' : 'exited-after-signal')) {
          sent += 1;
          t.rung = index;
          if (index === 0) t.signalled = true;
          else t.killed = true;
        }
      }
      options.onProgress?.({ phase: 'signalled', signal: rung.signal, sent, rung: index });
      await resume();
      await watch(rung.windowMs, index);
    }
    for (const t of pending()) {
      [t.fate, t.reason] = ['failed', `still running ${formatDuration(ladder[ladder.length - 1]!.windowMs)} after ${signalName(killSignal)}`];
    }
  } finally {
    // Whatever happened, never leave a member stopped by us.
    await resume();
    stopRecording();
  }

  const members = report();
  const gone = new Set<MemberFate>(['exited-after-signal', 'killed', 'already-gone', 'reused']);
  const result: TerminateTreeResult = {
    ladder,
    root: { pid: root.pid, startTime: root.startTime, comm: root.comm },
    pgid: root.pgid,
    signal,
    killSignal,
    refusal: null,
    escalated,
    exited: members.every((m) => gone.has(m.fate) || m.fate === 'protected'),
    timedOut: members.some((m) => m.fate === 'failed' && m.reason?.startsWith('still running') === true),
    reliability: reliable ? 'guaranteed' : 'best_effort',
    members,
    warnings,
    elapsedMs: Math.round(deps.now() - started),
  };
  const summary = `ladder ${formatLadder(ladder)}${escalated ? ' (escalated)' : ''}: ${members.filter((m) => gone.has(m.fate)).length} of ${members.length} gone`;
  await audit(deps, result, warnings, summary, rootPid);
  const final = { ...result, warnings: [...warnings] };
  options.onProgress?.({ phase: 'done', result: final });
  return final;
}

/** The ladder a tree termination runs: options.ladder, else signal:grace then killSignal:killAfter. */
export function treeLadder(options: TerminateTreeOptions): Ladder {
  return (
    options.ladder ?? [
      { signal: options.signal ?? SIGNAL_NUMBERS.TERM, windowMs: options.graceMs ?? 5000 },
      { signal: options.killSignal ?? SIGNAL_NUMBERS.KILL, windowMs: options.killAfterMs ?? 10_000 },
    ]
  );
}

// The tree is stopped and continued around each signal, so STOP/CONT (and the 0 probe) make no sense here.
function unusableLadder(ladder: Ladder): string | null {
  const problem = ladderProblem(ladder);
  return problem === null ? null : `terminate-tree: ${problem}`;
}

/**
 * 0 every member gone, 1 some survived or failed, 2 refused or nothing done (the CLI's exit code).
 * An operation that sent any signal never exits 2: 2 means nothing was changed.
 */
export function terminateTreeExitCode(result: TerminateTreeResult): number {
  if (result.refusal !== null) return 2;
  const acted = result.members.filter((m) => m.fate !== 'protected');
  const gone = acted.filter((m) => m.fate !== 'failed');
  if (acted.length > 0 && gone.length === acted.length) return 0;
  const sentAny = result.members.some((m) => m.signalsSent.length > 0);
  return sentAny || gone.length > 0 ? 1 : 2;
}

/** Records a refused tree termination (a guard, a protected root) like kill records its refusals. */
export async function auditTreeRefusal(deps: ActionDeps, rootPid: number, refusal: string, options: TerminateTreeOptions = {}): Promise<string | null> {
  const warnings: string[] = [];
  const ladder = treeLadder(options);
  const result: TerminateTreeResult = {
    ladder, root: null, pgid: null, signal: ladder[0]!.signal, killSignal: ladder[ladder.length - 1]!.signal, refusal,
    escalated: false, exited: false, timedOut: false, reliability: 'best_effort', members: [], warnings, elapsedMs: 0,
  };
  await audit(deps, result, warnings, `refused: ${refusal}`, rootPid);
  return warnings[0] ?? null;
}

async function audit(deps: ActionDeps, result: TerminateTreeResult, warnings: string[], summary: string, rootPid: number): Promise<void> {
  if (!deps.audit) return;
  const targets =
    result.refusal === null
      ? result.members.map((m) => toAuditTarget({ ...m, outcome: m.fate }))
      : [{ pid: rootPid, startTime: null, comm: null, outcome: 'refused', reason: result.refusal }];
  const warning = await deps.audit.append({
    time: new Date().toISOString(),
    ...currentActor(),
    action: 'terminate-tree',
    signal: result.signal,
    killSignal: result.killSignal,
    targets,
    summary,
    warnings: [...warnings],
  });
  if (warning) warnings.push(warning);
}
