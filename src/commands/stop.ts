import { createSystemDeps, type ActionDeps } from '../actions/deps.js';
import type { KillTarget } from '../actions/kill-many.js';
import { DEFAULT_LADDER, formatLadder, ladderBoundMs, type Ladder } from '../actions/ladder.js';
import { signalName } from '../actions/signals.js';
import { stopExitCode, stopMany, type StopProgress, type StopResult, type StopTargetResult } from '../actions/stop-many.js';
import { auditTreeRefusal, planTree, terminateTree, terminateTreeExitCode, type TerminateTreeResult, type TreePlan } from '../actions/terminate-tree.js';
import { platformName, schemaId, toJsonText } from '../output/json-envelope.js';
import { warningLine } from '../output/sanitize.js';
import { writeStderr, writeStdout } from '../output/std-streams.js';
import { COMM_SHOWN_MAX, renderTextTable } from '../output/text-table.js';
import { formatDuration } from '../util/duration.js';
import { parseTargetArgument } from './kill.js';
import { parseCommandArgs, rejectNegativePids } from './option-errors.js';
import { askOnTerminal, fateTable, ladderArg, ladderJson, memberJson, planTable, progressLine } from './terminate-tree.js';
import { UsageError } from '../output/usage-error.js';

export const STOP_USAGE = `Usage: proctop stop PID[:START_TICKS]... [--ladder TERM:5s,INT:3s,KILL:2s] [--tree] [--force] [--yes] [--json|--table]

Stops processes gracefully with a ladder of signals: each rung's signal goes to the targets still
running, which get the rung's window to exit before the next rung. Every signal is
identity-checked (pidfd + start time). Validation is kill's: a malformed PID, a protected target
or a PID:START_TICKS naming another process refuses the whole batch (exit 2, nothing sent); a
target already gone, reused or not yours is its own outcome. Each target's result names the
rung that ended it and the time it took, or that it survived the last rung.

  --ladder SIG:DUR,...   rungs (default ${formatLadder(DEFAULT_LADDER)}); the sum of the windows bounds the run
  --tree                 run the ladder over each PID's whole tree (as terminate-tree: the tree is
                         frozen around each rung and re-scanned for newcomers)
  --force                allow proctop's ancestors
  --yes                  with --tree: do not ask; required when stdin is not a terminal
  --json                 JSON result (schema urn:proctop:schema:stop:v1)
  --table                text table (the default)

Exit codes: 0 every target ended, 1 some survived or failed (any run that sent a signal), 2 refused,
nothing sent, or invalid input. Each run is appended to the audit log.
`;

/** Where stop reads and writes; tests inject a recording signaller. */
export interface StopIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdinIsTty: boolean;
  readonly confirm: (question: string) => Promise<boolean>;
  readonly deps: () => Promise<ActionDeps>;
}

const defaultIo = (): StopIo => ({
  stdout: writeStdout,
  stderr: writeStderr,
  stdinIsTty: process.stdin.isTTY === true,
  confirm: askOnTerminal,
  deps: () => createSystemDeps(),
});

/** Parsed command line of `proctop stop`. */
export interface StopArgs {
  readonly help: boolean;
  readonly targets: readonly KillTarget[];
  readonly ladder: Ladder;
  readonly tree: boolean;
  readonly force: boolean;
  readonly yes: boolean;
  readonly format: 'json' | 'table';
}

/** Options of parseArgs (also read by rejectNegativePids to know which flags take a value). */
const STOP_OPTIONS = {
  ladder: { type: 'string' },
  tree: { type: 'boolean' },
  force: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  json: { type: 'boolean' },
  table: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Turns argv into options; every problem is a one-line UsageError and nothing is sent. */
export function parseStopArgs(argv: readonly string[]): StopArgs {
  rejectNegativePids(argv, STOP_OPTIONS);
  const parsed = parseCommandArgs('stop', argv, STOP_OPTIONS, true, 'stop takes PIDs');
  const v = parsed.values;
  const help = v.help === true;
  if (v.json && v.table) throw new UsageError('--json and --table cannot be used together');
  const targets: KillTarget[] = [];
  for (const text of parsed.positionals) targets.push(parseTargetArgument(text, targets));
  if (!help && targets.length === 0) throw new UsageError('no target: give at least one PID (see proctop stop --help)');
  if (v.yes && !v.tree) throw new UsageError('--yes only applies to --tree (PIDs are stopped directly)');
  return {
    help,
    targets,
    ladder: v.ladder !== undefined ? ladderArg(v.ladder) : DEFAULT_LADDER,
    tree: v.tree === true,
    force: v.force === true,
    yes: v.yes === true,
    format: v.json ? 'json' : 'table',
  };
}

/** One target's JSON (members null unless --tree). */
function targetJson(r: StopTargetResult, members: TerminateTreeResult['members'] | null): Record<string, unknown> {
  return {
    pid: r.pid,
    start_time: r.startTime,
    comm: r.comm,
    user: r.user,
    outcome: r.outcome,
    reason: r.reason,
    ended_by: r.endedBy,
    ended_by_name: r.endedBy === null ? null : signalName(r.endedBy),
    rung: r.rung,
    elapsed_ms: r.elapsedMs,
    signals_sent: [...r.signalsSent],
    members: members === null ? null : members.map(memberJson),
  };
}

/** The JSON of a stop: kill's batch fields, the ladder, and each target's rung and time. */
export function stopRecord(result: StopResult, tree: boolean, trees: readonly (TerminateTreeResult | null)[] = []): Record<string, unknown> {
  return {
    schema_id: schemaId('stop'),
    timestamp: new Date().toISOString(),
    platform: platformName(),
    ladder: ladderJson(result.ladder),
    bound_ms: ladderBoundMs(result.ladder),
    tree,
    succeeded: result.results.filter((r) => r.outcome === 'ended').map((r) => r.pid),
    failed: result.results.filter((r) => r.outcome !== 'ended').map((r) => ({ pid: r.pid, error: r.reason ?? r.outcome, outcome: r.outcome })),
    refused: result.refused,
    refusal: result.refusal,
    results: result.results.map((r, i) => targetJson(r, tree ? (trees[i]?.members ?? []) : null)),
    elapsed_ms: result.elapsedMs,
    warnings: [...result.warnings],
  };
}

function resultTable(results: readonly StopTargetResult[]): string {
  return renderTextTable<StopTargetResult>(
    [
      { title: 'PID', cell: (r) => String(r.pid), align: 'right' },
      { title: 'USER', cell: (r) => r.user ?? '-', maxWidth: 12 },
      { title: 'COMM', cell: (r) => r.comm ?? '-', maxWidth: COMM_SHOWN_MAX },
      { title: 'OUTCOME', cell: (r) => r.outcome },
      { title: 'ENDED BY', cell: (r) => (r.endedBy === null ? '' : `${signalName(r.endedBy)} (rung ${(r.rung ?? 0) + 1})`) },
      { title: 'TIME', cell: (r) => (r.elapsedMs === null ? '' : formatDuration(r.elapsedMs)), align: 'right' },
      { title: 'DETAIL', cell: (r) => r.reason ?? '', maxWidth: 100 },
    ],
    results,
  );
}

function stopProgressLine(ladder: Ladder, p: StopProgress): string | null {
  if (p.phase !== 'rung') return null;
  return `rung ${p.rung + 1}/${ladder.length}: sent ${signalName(p.signal)} to ${p.sent}; waiting up to ${formatDuration(ladder[p.rung]!.windowMs)}`;
}

/** The tree of one root as a stop target result: ended when every member is gone. */
function treeTargetResult(plan: TreePlan, tree: TerminateTreeResult): StopTargetResult {
  const root = tree.members.find((m) => m.relation === 'root');
  const allGone = tree.exited;
  const failed = tree.members.filter((m) => m.fate === 'failed');
  return {
    pid: plan.root.pid,
    startTime: plan.root.startTime,
    comm: plan.root.comm,
    uid: plan.root.uid,
    user: plan.root.user,
    outcome: allGone ? 'ended' : 'survived',
    reason: allGone ? null : `${failed.length} of ${tree.members.length} member(s) not ended${failed[0]?.reason ? `: ${failed[0].reason}` : ''}`,
    endedBy: allGone ? (root?.endedBy ?? null) : null,
    rung: allGone ? (root?.endedByRung ?? null) : null,
    elapsedMs: tree.elapsedMs,
    signalsSent: root ? [...root.signalsSent] : [],
  };
}

/** --tree: plan every root (all-or-nothing, no overlapping trees), confirm, then run the trees side by side. */
async function stopTrees(args: StopArgs, deps: ActionDeps, io: StopIo): Promise<number> {
  const plans: TreePlan[] = [];
  for (const target of args.targets) {
    const root = target.startTime === undefined ? target.pid : { pid: target.pid, startTime: target.startTime };
    const plan = await planTree(root, deps, { force: args.force, ladder: args.ladder });
    if (typeof plan === 'string') {
      const warning = await auditTreeRefusal(deps, target.pid, plan, { ladder: args.ladder });
      if (warning) io.stderr(warningLine(warning));
      throw new UsageError(`${plan} (nothing was sent)`);
    }
    plans.push(plan);
  }
  const owner = new Map<number, number>();
  for (const plan of plans) {
    for (const m of plan.members) {
      const other = owner.get(m.pid);
      if (other !== undefined) throw new UsageError(`PID ${m.pid} is in the trees of both ${other} and ${plan.root.pid}: give each tree once (nothing was sent)`);
      owner.set(m.pid, plan.root.pid);
    }
  }
  if (!args.yes) {
    for (const plan of plans) io.stderr(`Tree of PID ${plan.root.pid} (${plan.root.comm}): ${plan.members.length} process(es)\n${planTable(plan)}`);
    if (!(await io.confirm(`Run the ladder ${formatLadder(args.ladder)} over ${plans.length === 1 ? 'it' : 'them'}? [y/N] `))) {
      io.stderr('proctop: cancelled, nothing was sent\n');
      return 2;
    }
  }
  const onProgress = args.format === 'table' ? (root: number) => (p: Parameters<typeof progressLine>[0]) => {
    const line = progressLine(p);
    if (line) io.stderr(`proctop: tree ${root}: ${line}\n`);
  } : () => undefined;
  const trees = await Promise.all(
    plans.map((plan) => terminateTree({ pid: plan.root.pid, startTime: plan.root.startTime }, { ladder: args.ladder, force: args.force, onProgress: onProgress(plan.root.pid) }, deps)),
  );
  const refusals = trees.filter((t) => t.refusal !== null);
  const result: StopResult = {
    ladder: args.ladder,
    refused: false,
    refusal: null,
    results: plans.map((plan, i) => treeTargetResult(plan, trees[i]!)),
    warnings: [...new Set(trees.flatMap((t) => t.warnings))],
    elapsedMs: Math.max(0, ...trees.map((t) => t.elapsedMs)),
  };
  if (args.format === 'json') io.stdout(toJsonText(stopRecord(result, true, trees)));
  else {
    for (const [i, tree] of trees.entries()) {
      io.stdout(`Tree of PID ${plans[i]!.root.pid}:\n${fateTable(tree.members)}`);
    }
    io.stdout(resultTable(result.results));
  }
  for (const r of refusals) io.stderr(`proctop: ${r.refusal} (nothing was sent to that tree)\n`);
  for (const warning of result.warnings) io.stderr(warningLine(warning));
  const codes = trees.map(terminateTreeExitCode);
  if (codes.every((c) => c === 0)) return 0;
  return codes.some((c) => c !== 2) ? 1 : 2;
}

/** `proctop stop` with injectable I/O; returns the exit code. */
export async function runStop(argv: readonly string[], io: StopIo = defaultIo()): Promise<number> {
  const args = parseStopArgs(argv);
  if (args.help) {
    io.stdout(STOP_USAGE);
    return 0;
  }
  if (args.tree && !args.yes && !io.stdinIsTty) throw new UsageError('stop --tree asks for confirmation: pass --yes when stdin is not a terminal (nothing was sent)');
  const deps = await io.deps();
  if (args.tree) return stopTrees(args, deps, io);
  const result = await stopMany(args.targets, args.ladder, deps, {
    force: args.force,
    onProgress: (p) => {
      const line = args.format === 'table' ? stopProgressLine(args.ladder, p) : null;
      if (line) io.stderr(`proctop: ${line}\n`);
    },
  });
  if (args.format === 'json') io.stdout(toJsonText(stopRecord(result, false)));
  else {
    io.stdout(resultTable(result.results));
    if (result.refused) io.stderr(`proctop: nothing sent: ${result.refusal}\n`);
  }
  for (const warning of result.warnings) io.stderr(warningLine(warning));
  return stopExitCode(result);
}

export async function main(argv: readonly string[]): Promise<number> {
  return runStop(argv);
}
