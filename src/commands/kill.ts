import { createFileAuditSink } from '../storage/audit-log.js';
import { createSystemDeps, type ActionDeps } from '../actions/deps.js';
import { parsePidArgument, refusalFor } from '../actions/guards.js';
import { killExitCode, killMany, type KillManyResult, type KillTarget, type KillTargetResult } from '../actions/kill-many.js';
import { listSignals, parseSignal, signalName, SIGNAL_NUMBERS } from '../actions/signals.js';
import { platformName, schemaId, toJsonText } from '../output/json-envelope.js';
import { COMM_SHOWN_MAX, renderTextTable } from '../output/text-table.js';
import { matchesFilter, type ProcessFilter } from '../sampler/process-query.js';
import { Sampler } from '../sampler/sampler.js';
import type { ProcessRow } from '../sampler/types.js';
import { createCollector } from '../sys/collector.js';
import { parseDuration } from '../util/duration.js';
import { checkKnownUser, parseCommandArgs, rejectNegativePids } from './option-errors.js';
import { UsageError } from '../output/usage-error.js';
import { writeStderr, writeStdout } from '../output/std-streams.js';
import { quoted } from '../output/sanitize.js';

export const KILL_USAGE = `Usage: proctop kill PID[:START_TICKS]... [-s|--signal SIG] [--force] [--json|--table]
       proctop kill --name TEXT|--user USER|--ppid PID|--cpu-above PCT [--yes] [-s SIG] [--json]
       proctop kill -l

Sends SIG (default TERM) to each PID, identity-checked: every PID is resolved to (pid, start
time) first and signalled through a pidfd, so a PID reused in between is never hit. Every
target is validated before anything is sent: a malformed PID, a protected target, an unknown
signal or a PID:START_TICKS naming another process refuses the whole batch (exit 2, nothing
sent). A target that has exited, whose PID was reused meanwhile, or that is not yours is its own
outcome and the rest of the batch still goes. PID:START_TICKS (start_time_ticks of pstat
--json) pins the exact process.

  -s, --signal SIG   TERM, SIGTERM, term or 15 (0 only checks the targets exist)
  --force            allow proctop's ancestors (its parent, the shell, ... up to PID 1)
  --json             JSON result (schema urn:proctop:schema:kill:v1)
  --table            text table (the default)
  -l, --list         list signal names and numbers
Selection by filter (all must match; previews the targets unless --yes):
  --name TEXT        comm or argv[0] basename contains TEXT (case-insensitive)
  --user USER        owned by this user name or uid
  --ppid PID         children of PID
  --cpu-above PCT    CPU% above PCT over --sample (default 1s; 100 = one core)
  --yes              send to the selection instead of previewing it

Never signalled: PID 0, PID 1, proctop itself, kernel threads; proctop's ancestors need --force.
Other processes of proctop's process group (a script's background jobs) are ordinary targets.
Exit codes: 0 every target signalled, 1 some, 2 none (nothing sent) or invalid input.
Each action is appended to $XDG_STATE_HOME/proctop/actions.jsonl.
`;

/** Where kill writes; tests inject a recording signaller and capture output. */
export interface KillIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly deps: () => Promise<ActionDeps>;
  /** Rows for filter selection (one or two samples of the collector). */
  readonly sampleRows: (sampleMs: number | null) => Promise<readonly ProcessRow[]>;
}

async function sampleRowsFromCollector(sampleMs: number | null): Promise<readonly ProcessRow[]> {
  const sampler = new Sampler(createCollector().collector);
  let frame = await sampler.sample();
  if (sampleMs !== null) {
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    frame = await sampler.sample();
  }
  return frame.rows;
}

const defaultIo = (): KillIo => ({
  stdout: writeStdout,
  stderr: writeStderr,
  deps: () => createSystemDeps({ audit: createFileAuditSink() }),
  sampleRows: sampleRowsFromCollector,
});

/** Parsed command line of `proctop kill`. */
export interface KillOptions {
  readonly list: boolean;
  readonly help: boolean;
  readonly signal: number;
  readonly force: boolean;
  readonly yes: boolean;
  readonly format: 'json' | 'table';
  /** PID arguments, with the start time when given as PID:START_TICKS. */
  readonly targets: readonly KillTarget[];
  /** Set when targets are selected by filter instead of PIDs. */
  readonly filter: ProcessFilter | null;
  /** CPU sample window for --cpu-above, else null. */
  readonly sampleMs: number | null;
}

function numberArg(flag: string, text: string, integer: boolean): number {
  const pattern = integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
  const value = Number(text.trim());
  if (!pattern.test(text.trim()) || !Number.isSafeInteger(Math.floor(value))) {
    throw new UsageError(`${flag} must be a non-negative ${integer ? 'integer' : 'number'}, got ${quoted(text)}`);
  }
  return value;
}

/** Options of parseArgs (also read by rejectNegativePids to know which flags take a value). */
const KILL_OPTIONS = {
  signal: { type: 'string', short: 's' },
  list: { type: 'boolean', short: 'l' },
  force: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  json: { type: 'boolean' },
  table: { type: 'boolean' },
  name: { type: 'string' },
  user: { type: 'string' },
  ppid: { type: 'string' },
  'cpu-above': { type: 'string' },
  sample: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * One PID argument: PID, or PID:START_TICKS pinning the identity (start_time_ticks of pstat
 * --json). Anything else (PID:START:junk, a START that is not a number) is a UsageError.
 */
export function parseTargetArgument(text: string, earlier: readonly KillTarget[] = []): KillTarget {
  const parts = text.split(':');
  const [pidText = '', startText] = parts;
  if (parts.length > 2 || (startText !== undefined && !/^\d+$/.test(startText))) {
    throw new UsageError(`invalid identity ${quoted(text)}: use PID or PID:START_TICKS`);
  }
  if (startText !== undefined && !Number.isSafeInteger(Number(startText))) {
    throw new UsageError(`invalid identity ${quoted(text)}: START_TICKS is too large to be a start time`);
  }
  const pid = parsePidArgument(pidText);
  if (typeof pid === 'string') throw new UsageError(pid);
  if (earlier.some((t) => t.pid === pid)) throw new UsageError(`duplicate PID ${pid}`);
  return startText === undefined ? { pid } : { pid, startTime: Number(startText) };
}

/** Turns argv into options; every problem is a one-line UsageError and nothing is sent. */
export function parseKillArgs(argv: readonly string[]): KillOptions {
  rejectNegativePids(argv, KILL_OPTIONS);
  const parsed = parseCommandArgs('kill', argv, KILL_OPTIONS, true, 'see proctop kill --help');
  const v = parsed.values;
  if (v.json && v.table) throw new UsageError('--json and --table cannot be used together');
  let signal: number = SIGNAL_NUMBERS.TERM;
  if (v.signal !== undefined) {
    const parsedSignal = parseSignal(v.signal);
    if (parsedSignal === null) throw new UsageError(`unknown signal ${quoted(v.signal)} (see proctop kill -l)`);
    signal = parsedSignal;
  }
  const targets: KillTarget[] = [];
  for (const text of parsed.positionals) targets.push(parseTargetArgument(text, targets));
  if (v.name === '') throw new UsageError('--name must not be empty');
  if (v.user === '') throw new UsageError('--user must not be empty');
  if (v.user !== undefined) checkKnownUser(v.user);
  const filter: ProcessFilter = {
    ...(v.name !== undefined ? { name: v.name } : {}),
    ...(v.user !== undefined ? { user: v.user } : {}),
    ...(v.ppid !== undefined ? { ppid: numberArg('--ppid', v.ppid, true) } : {}),
    ...(v['cpu-above'] !== undefined ? { cpuAbove: numberArg('--cpu-above', v['cpu-above'], false) } : {}),
  };
  const byFilter = Object.keys(filter).length > 0;
  if (v.sample !== undefined && filter.cpuAbove === undefined) throw new UsageError('--sample only applies to --cpu-above');
  let sampleMs: number | null = null;
  if (filter.cpuAbove !== undefined) {
    try {
      sampleMs = v.sample !== undefined ? parseDuration(v.sample) : 1000;
    } catch {
      throw new UsageError(`--sample must be a duration such as 500ms or 2s, got ${quoted(v.sample ?? '')}`);
    }
    if (sampleMs <= 0 || sampleMs > 60_000) throw new UsageError('--sample must be between 1ms and 60s');
  }
  const list = v.list === true;
  const help = v.help === true;
  if (!list && !help) {
    if (byFilter && targets.length > 0) throw new UsageError('give PIDs or a filter (--name/--user/--ppid/--cpu-above), not both');
    if (!byFilter && targets.length === 0) throw new UsageError('no target: give at least one PID or a filter (see proctop kill --help)');
    if (v.yes && !byFilter) throw new UsageError('--yes only applies to filter selection (PIDs are signalled directly)');
  }
  return {
    list,
    help,
    signal,
    force: v.force === true,
    yes: v.yes === true,
    format: v.json ? 'json' : 'table',
    targets,
    filter: byFilter ? filter : null,
    sampleMs,
  };
}

/** The program name of a result: from the sampled row when the target was selected from one, else comm. */
function nameOf(r: KillTargetResult, names: ReadonlyMap<string, string>): string | null {
  return (r.startTime !== null ? names.get(`${r.pid}:${r.startTime}`) : undefined) ?? r.comm;
}

/** One target of the kill JSON (results[] and preview[]). */
export interface KillTargetJson {
  readonly pid: number;
  readonly start_time: number | null;
  /** Program name (see programName), or comm. */
  readonly name: string | null;
  readonly comm: string | null;
  readonly user: string | null;
  readonly outcome: KillTargetResult['outcome'];
  readonly reason: string | null;
  readonly via_pidfd: boolean;
}

/** The kill JSON (`proctop kill --json`, the library's killMany): the peer batch-kill-result fields first. */
export interface KillRecordJson {
  readonly schema_id: string;
  readonly timestamp: string;
  readonly platform: string;
  readonly signal_sent: number;
  readonly signal_name: string;
  /** PIDs signalled. */
  readonly succeeded: readonly number[];
  /** Every other target, with why. */
  readonly failed: readonly { readonly pid: number; readonly error: string; readonly outcome: KillTargetResult['outcome'] }[];
  readonly dry_run: boolean;
  readonly preview: readonly KillTargetJson[];
  readonly refused: boolean;
  readonly refusal: string | null;
  readonly results: readonly KillTargetJson[];
  readonly warnings: readonly string[];
}

/** The JSON of one target (results[] and preview[]). */
function targetJson(r: KillTargetResult, names: ReadonlyMap<string, string>): KillTargetJson {
  return {
    pid: r.pid,
    start_time: r.startTime,
    name: nameOf(r, names),
    comm: r.comm,
    user: r.user,
    outcome: r.outcome,
    reason: r.reason,
    via_pidfd: r.viaPidfd,
  };
}

/**
 * The JSON of a kill: the peer batch-kill-result fields plus identities, outcomes and warnings.
 * A filter preview lists its targets in preview[] (a preview is not a failure: failed[] stays empty).
 * `names` maps identity keys of sampled rows to their program names (see programName).
 */
export function killRecord(
  result: KillManyResult,
  preview: readonly KillTargetResult[] | null = null,
  names: ReadonlyMap<string, string> = new Map(),
): KillRecordJson {
  const json = (r: KillTargetResult): KillTargetJson => targetJson(r, names);
  return {
    schema_id: schemaId('kill'),
    timestamp: new Date().toISOString(),
    platform: platformName(),
    signal_sent: result.signal,
    signal_name: signalName(result.signal),
    succeeded: result.results.filter((r) => r.outcome === 'sent').map((r) => r.pid),
    failed: result.results.filter((r) => r.outcome !== 'sent').map((r) => ({ pid: r.pid, error: r.reason ?? r.outcome, outcome: r.outcome })),
    dry_run: preview !== null,
    preview: (preview ?? []).map(json),
    refused: result.refused,
    refusal: result.refusal,
    results: result.results.map(json),
    warnings: [...result.warnings],
  };
}

function resultTable(results: readonly KillTargetResult[], names: ReadonlyMap<string, string>): string {
  return renderTextTable<KillTargetResult>(
    [
      { title: 'PID', cell: (r) => String(r.pid), align: 'right' },
      { title: 'USER', cell: (r) => r.user ?? '-', maxWidth: 12 },
      { title: 'NAME', cell: (r) => nameOf(r, names) ?? '-', maxWidth: COMM_SHOWN_MAX },
      { title: 'OUTCOME', cell: (r) => r.outcome },
      { title: 'DETAIL', cell: (r) => r.reason ?? '', maxWidth: 120 },
    ],
    results,
  );
}

function signalList(): string {
  return renderTextTable(
    [
      { title: 'NUM', cell: (s: { number: number }) => String(s.number), align: 'right' },
      { title: 'NAME', cell: (s: { name: string }) => s.name },
      { title: 'DEFAULT ACTION / USE', cell: (s: { description: string }) => s.description },
    ],
    listSignals(),
  );
}

/** Selects filter matches as identities; protected ones are left out with a note. */
async function selectByFilter(options: KillOptions, deps: ActionDeps, io: KillIo): Promise<{ targets: KillTarget[]; rows: ProcessRow[]; notes: string[] }> {
  const rows = await io.sampleRows(options.sampleMs);
  const mode = options.sampleMs !== null ? 'monitor' : 'lifetime';
  const matches = rows.filter((r) => !r.isKernelThread && r.state !== 'Z' && matchesFilter(r, options.filter ?? {}, mode));
  const notes: string[] = [];
  const kept: ProcessRow[] = [];
  for (const row of matches) {
    const refusal = refusalFor(row, deps.self, options.force);
    if (refusal) notes.push(`left out PID ${row.pid} (${row.name}): ${refusal.reason}`);
    else kept.push(row);
  }
  return { targets: kept.map((r) => ({ pid: r.pid, startTime: r.startTime })), rows: kept, notes };
}

/** A result with no targets (an empty or previewed selection). */
function emptyResult(signal: number, warnings: readonly string[]): KillManyResult {
  return { signal, refused: false, refusal: null, results: [], warnings };
}

/** `proctop kill` with injectable I/O; returns the exit code. */
export async function runKill(argv: readonly string[], io: KillIo = defaultIo()): Promise<number> {
  const options = parseKillArgs(argv);
  if (options.help) {
    io.stdout(KILL_USAGE);
    return 0;
  }
  if (options.list) {
    io.stdout(signalList());
    return 0;
  }
  const deps = await io.deps();
  let targets: readonly KillTarget[] = options.targets;
  let names: ReadonlyMap<string, string> = new Map();
  if (options.filter) {
    const selection = await selectByFilter(options, deps, io);
    names = new Map(selection.rows.map((r) => [r.key, r.name]));
    for (const note of selection.notes) io.stderr(`proctop: ${note}\n`);
    targets = selection.targets;
    if (!options.yes) {
      const preview: KillTargetResult[] = selection.rows.map((r) => ({
        pid: r.pid, startTime: r.startTime, comm: r.comm, uid: r.uid, user: r.user, outcome: 'not-sent', reason: 'preview: add --yes to send', viaPidfd: false,
      }));
      if (options.format === 'json') io.stdout(toJsonText(killRecord(emptyResult(options.signal, selection.notes), preview, names)));
      else {
        io.stdout(`Preview: ${signalName(options.signal)} would go to ${targets.length} process(es); add --yes to send.\n`);
        if (targets.length > 0) io.stdout(resultTable(preview, names));
      }
      return targets.length > 0 ? 0 : 2;
    }
    if (targets.length === 0) {
      if (options.format === 'json') io.stdout(toJsonText(killRecord(emptyResult(options.signal, selection.notes))));
      io.stderr('proctop: no process matches the filter; nothing sent\n');
      return 2;
    }
  }
  const result = await killMany(targets, options.signal, deps, { force: options.force });
  if (options.format === 'json') io.stdout(toJsonText(killRecord(result, null, names)));
  else {
    io.stdout(resultTable(result.results, names));
    if (result.refused) io.stderr(`proctop: nothing sent: ${result.refusal}\n`);
  }
  for (const warning of result.warnings) io.stderr(`proctop: warning: ${warning}\n`);
  return killExitCode(result);
}

export async function main(argv: readonly string[]): Promise<number> {
  return runKill(argv);
}
