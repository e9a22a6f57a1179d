import { createInterface } from 'node:readline/promises';
import { createSystemDeps, type ActionDeps } from '../actions/deps.js';
import { parsePidArgument } from '../actions/guards.js';
import { parseSignal, signalName, SIGNAL_NUMBERS } from '../actions/signals.js';
import { formatLadder, parseLadder, type Ladder } from '../actions/ladder.js';
import {
  auditTreeRefusal,
  planTree,
  terminateTree,
  treeLadder,
  terminateTreeExitCode,
  type MemberReport,
  type TerminateTreeOptions,
  type TerminateTreeResult,
  type TreePlan,
  type TreeProgress,
} from '../actions/terminate-tree.js';
import { platformName, schemaId, toJsonText } from '../output/json-envelope.js';
import { COMM_SHOWN_MAX, renderTextTable } from '../output/text-table.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { parseCommandArgs, rejectNegativePids } from './option-errors.js';
import { UsageError } from '../output/usage-error.js';
import { writeStderr, writeStdout } from '../output/std-streams.js';
import { quoted } from '../output/sanitize.js';

export const TERMINATE_TREE_USAGE = `Usage: proctop terminate-tree PID [options]

Terminates PID and every process below it: descendants by parent PID, plus the process group
and session PID leads (which keep orphans whose parent already exited). The tree is stopped
(SIGSTOP) so nothing forks away, signalled, continued; members get --grace to exit, newcomers
are picked up by re-scans, survivors get the kill signal and --kill-after to die. Every signal
is identity-checked (pidfd + start time). Nothing waits forever.

  --ladder SIG:DUR,...       the stop ladder, e.g. TERM:5s,INT:3s,KILL:2s: each rung's signal
                             goes to the members still running, which get its window to exit
                             (--signal/--grace/--kill-signal/--kill-after are the two-rung ladder)
  --grace DUR                time to exit after the signal before escalating (default 5s)
  --kill-after DUR           time survivors get to die after the kill signal (default 10s)
  --signal SIG               first signal (default TERM)
  --kill-signal SIG          escalation signal (default KILL)
  --require-exe-path PATH    refuse unless PID runs this executable (its exe link)
  --require-start-time-ms MS refuse unless PID started at this Unix time in ms (±1s)
  --force                    allow a tree rooted at an ancestor of proctop (proctop itself and
                             its other ancestors are never members)
  --yes                      do not ask; required when stdin is not a terminal
  --json                     JSON result (schema urn:proctop:schema:terminate-tree:v1)
  --table                    text table of members and fates (the default)

Exit codes: 0 every member gone, 1 some survived or failed, 2 refused or invalid input (nothing
was sent; an operation that sent any signal never exits 2). Refusals are audited too.
`;

/** Where terminate-tree reads and writes; tests inject a recording signaller and answers. */
export interface TerminateTreeIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdinIsTty: boolean;
  /** Asks a yes/no question on the terminal. */
  readonly confirm: (question: string) => Promise<boolean>;
  readonly deps: () => Promise<ActionDeps>;
}

/** Asks yes/no on the terminal (stderr), reading stdin. */
export async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

const defaultIo = (): TerminateTreeIo => ({
  stdout: writeStdout,
  stderr: writeStderr,
  stdinIsTty: process.stdin.isTTY === true,
  confirm: askOnTerminal,
  deps: () => createSystemDeps(),
});

/** Parsed command line of `proctop terminate-tree`. */
export interface TerminateTreeArgs {
  readonly help: boolean;
  readonly pid: number;
  readonly yes: boolean;
  readonly format: 'json' | 'table';
  readonly options: TerminateTreeOptions;
}

/** Longest window accepted for --grace / --kill-after: nothing waits forever. */
const MAX_WINDOW_MS = 60 * 60_000;

function windowArg(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new UsageError(`${flag} must be a duration such as 500ms, 5s or 1m, got ${quoted(text)}`);
  }
  if (ms > MAX_WINDOW_MS) throw new UsageError(`${flag} must be at most ${formatDuration(MAX_WINDOW_MS)}, got ${quoted(text)}`);
  return ms;
}

function signalArg(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const sig = parseSignal(text);
  if (sig === null) throw new UsageError(`unknown signal ${quoted(text)} for ${flag} (see proctop kill -l)`);
  if (sig === 0 || sig === SIGNAL_NUMBERS.STOP || sig === SIGNAL_NUMBERS.CONT) {
    throw new UsageError(`${flag} cannot be ${signalName(sig)}: terminate-tree stops and continues the tree itself`);
  }
  return sig;
}

/** --ladder TERM:5s,INT:3s,KILL:2s, or a UsageError naming the bad rung. */
export function ladderArg(text: string): Ladder {
  const ladder = parseLadder(text);
  if (typeof ladder === 'string') throw new UsageError(ladder);
  return ladder;
}

/** Options of parseArgs (also read by rejectNegativePids to know which flags take a value). */
const TERMINATE_TREE_OPTIONS = {
  ladder: { type: 'string' },
  grace: { type: 'string' },
  'kill-after': { type: 'string' },
  signal: { type: 'string', short: 's' },
  'kill-signal': { type: 'string' },
  'require-exe-path': { type: 'string' },
  'require-start-time-ms': { type: 'string' },
  force: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  json: { type: 'boolean' },
  table: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Turns argv into options; every problem is a one-line UsageError and nothing is sent. */
export function parseTerminateTreeArgs(argv: readonly string[]): TerminateTreeArgs {
  rejectNegativePids(argv, TERMINATE_TREE_OPTIONS);
  const parsed = parseCommandArgs('terminate-tree', argv, TERMINATE_TREE_OPTIONS, true, 'terminate-tree takes one PID');
  const v = parsed.values;
  const help = v.help === true;
  if (v.json && v.table) throw new UsageError('--json and --table cannot be used together');
  if (!help && parsed.positionals.length !== 1) {
    throw new UsageError(parsed.positionals.length === 0 ? 'terminate-tree needs a PID' : 'terminate-tree takes exactly one PID');
  }
  let pid = 0;
  if (!help) {
    const parsedPid = parsePidArgument(parsed.positionals[0] ?? '');
    if (typeof parsedPid === 'string') throw new UsageError(parsedPid);
    pid = parsedPid;
  }
  const startText = v['require-start-time-ms'];
  if (startText !== undefined && (!/^\d+$/.test(startText.trim()) || !Number.isSafeInteger(Number(startText)))) {
    throw new UsageError(`--require-start-time-ms must be a Unix time in milliseconds, got ${quoted(startText)}`);
  }
  const exePath = v['require-exe-path'];
  if (exePath !== undefined && !exePath.startsWith('/')) throw new UsageError(`--require-exe-path must be an absolute path, got ${quoted(exePath)}`);
  let ladder: Ladder | undefined;
  if (v.ladder !== undefined) {
    const twoRung = ['signal', 'grace', 'kill-signal', 'kill-after'].find((flag) => v[flag as keyof typeof v] !== undefined);
    if (twoRung !== undefined) throw new UsageError(`--ladder and --${twoRung} cannot be used together (--signal/--grace/--kill-signal/--kill-after are the two-rung ladder)`);
    ladder = ladderArg(v.ladder);
  }
  return {
    help,
    pid,
    yes: v.yes === true,
    format: v.json ? 'json' : 'table',
    options: {
      graceMs: windowArg('--grace', v.grace, 5000),
      killAfterMs: windowArg('--kill-after', v['kill-after'], 10_000),
      signal: signalArg('--signal', v.signal, SIGNAL_NUMBERS.TERM),
      killSignal: signalArg('--kill-signal', v['kill-signal'], SIGNAL_NUMBERS.KILL),
      ...(ladder !== undefined ? { ladder } : {}),
      force: v.force === true,
      ...(exePath !== undefined ? { requireExePath: exePath } : {}),
      ...(startText !== undefined ? { requireStartTimeMs: Number(startText.trim()) } : {}),
    },
  };
}

/** A ladder in JSON: [{signal, signal_name, window_ms}] (terminate-tree and stop). */
export function ladderJson(ladder: Ladder): Record<string, unknown>[] {
  return ladder.map((r) => ({ signal: r.signal, signal_name: signalName(r.signal), window_ms: r.windowMs }));
}

/** One tree member in JSON (terminate-tree and stop --tree). */
export function memberJson(m: MemberReport): Record<string, unknown> {
  return {
    pid: m.pid,
    start_time: m.startTime,
    ppid: m.ppid,
    pgid: m.pgid,
    comm: m.comm,
    user: m.user,
    relation: m.relation,
    fate: m.fate,
    reason: m.reason,
    signals_sent: [...m.signalsSent],
    ended_by: m.endedBy,
    ended_by_rung: m.endedByRung,
  };
}

/** The JSON of a tree termination: the peer terminate-tree-result fields plus the ladder and members with fates. */
export function terminateTreeRecord(result: TerminateTreeResult): Record<string, unknown> {
  return {
    schema_id: schemaId('terminate-tree'),
    timestamp: new Date().toISOString(),
    platform: platformName(),
    pid: result.root?.pid ?? 0,
    pgid: result.pgid,
    signal_sent: result.signal,
    kill_signal: result.killSignal,
    escalated: result.escalated,
    exited: result.exited,
    timed_out: result.timedOut,
    tree_kill_reliability: result.reliability,
    warnings: [...result.warnings],
    start_time: result.root?.startTime ?? null,
    comm: result.root?.comm ?? null,
    signal_name: signalName(result.signal),
    kill_signal_name: signalName(result.killSignal),
    grace_ms: result.ladder[0]!.windowMs,
    kill_after_ms: result.ladder[result.ladder.length - 1]!.windowMs,
    ladder: ladderJson(result.ladder),
    elapsed_ms: result.elapsedMs,
    members: result.members.map(memberJson),
  };
}

/** The members a tree operation will act on, as confirmed on a terminal. */
export function planTable(plan: TreePlan): string {
  return renderTextTable(
    [
      { title: 'PID', cell: (m: TreePlan['members'][number]) => String(m.pid), align: 'right' },
      { title: 'PPID', cell: (m) => String(m.ppid), align: 'right' },
      { title: 'USER', cell: (m) => m.user, maxWidth: 12 },
      { title: 'FOUND AS', cell: (m) => m.relation },
      { title: 'COMM', cell: (m) => (plan.spared.has(m.pid) ? `${m.comm} (spared: ${plan.spared.get(m.pid)})` : m.comm), maxWidth: 80 },
    ],
    plan.members,
  );
}

/** Members and their fates, with the rung that ended each (terminate-tree and stop --tree). */
export function fateTable(members: readonly MemberReport[]): string {
  return renderTextTable<MemberReport>(
    [
      { title: 'PID', cell: (m) => String(m.pid), align: 'right' },
      { title: 'PPID', cell: (m) => String(m.ppid), align: 'right' },
      { title: 'COMM', cell: (m) => m.comm, maxWidth: COMM_SHOWN_MAX },
      { title: 'FOUND AS', cell: (m) => m.relation },
      { title: 'FATE', cell: (m) => m.fate },
      { title: 'ENDED BY', cell: (m) => (m.endedBy === null ? '' : signalName(m.endedBy)) },
      { title: 'DETAIL', cell: (m) => m.reason ?? '', maxWidth: 100 },
    ],
    members,
  );
}

/** One progress line for stderr (table mode), or null for the phases not worth a line. */
export function progressLine(p: TreeProgress): string | null {
  switch (p.phase) {
    case 'stopped':
      return `stopped ${p.stopped} of ${p.members} members`;
    case 'signalled':
      return `rung ${p.rung + 1}: sent ${signalName(p.signal)} to ${p.sent}`;
    case 'escalated':
      return `${p.survivors} survived rung ${p.rung}: rung ${p.rung + 1} sends ${signalName(p.killSignal)}`;
    default:
      return null;
  }
}

/** `proctop terminate-tree` with injectable I/O; returns the exit code. */
export async function runTerminateTree(argv: readonly string[], io: TerminateTreeIo = defaultIo()): Promise<number> {
  const args = parseTerminateTreeArgs(argv);
  if (args.help) {
    io.stdout(TERMINATE_TREE_USAGE);
    return 0;
  }
  // Refuse up front rather than hang on a prompt nobody can answer.
  if (!args.yes && !io.stdinIsTty) throw new UsageError('terminate-tree asks for confirmation: pass --yes when stdin is not a terminal (nothing was sent)');
  const deps = await io.deps();
  const plan = await planTree(args.pid, deps, args.options);
  if (typeof plan === 'string') {
    // Refused before anything was sent: audited like kill's refusals.
    const warning = await auditTreeRefusal(deps, args.pid, plan, args.options);
    if (warning) io.stderr(`proctop: warning: ${warning}\n`);
    throw new UsageError(`${plan} (nothing was sent)`);
  }
  // From here on the tree is the one confirmed: a root PID reused meanwhile is refused.
  const root = { pid: plan.root.pid, startTime: plan.root.startTime };
  let options: TerminateTreeOptions = args.options;
  if (!args.yes) {
    io.stderr(`Tree of PID ${plan.root.pid} (${plan.root.comm}): ${plan.members.length} process(es)\n${planTable(plan)}`);
    const question = `Run the ladder ${formatLadder(treeLadder(options))} over it? [y/N] `;
    if (!(await io.confirm(question))) {
      io.stderr('proctop: cancelled, nothing was sent\n');
      return 2;
    }
  }
  if (args.format === 'table') {
    options = { ...options, onProgress: (p) => {
      const line = progressLine(p);
      if (line) io.stderr(`proctop: ${line}\n`);
    } };
  }
  const result = await terminateTree(root, options, deps);
  if (result.refusal !== null) throw new UsageError(`${result.refusal} (nothing was sent)`);
  if (args.format === 'json') io.stdout(toJsonText(terminateTreeRecord(result)));
  else {
    io.stdout(fateTable(result.members));
    io.stdout(
      `${result.exited ? 'all gone' : 'NOT all gone'}; escalated: ${result.escalated ? 'yes' : 'no'}; reliability: ${result.reliability}; ${formatDuration(result.elapsedMs)}\n`,
    );
  }
  for (const warning of result.warnings) io.stderr(`proctop: warning: ${warning}\n`);
  return terminateTreeExitCode(result);
}

export async function main(argv: readonly string[]): Promise<number> {
  return runTerminateTree(argv);
}
