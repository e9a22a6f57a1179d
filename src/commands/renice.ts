import { parseArgs } from 'node:util';
import { createSystemDeps, type ActionDeps } from '../actions/deps.js';
import type { KillTarget } from '../actions/kill-many.js';
import { NICE_MAX, NICE_MIN, reniceExitCode, reniceMany, type NiceChange, type ReniceResult, type ReniceTargetResult } from '../actions/renice.js';
import { platformName, schemaId, toJsonText } from '../output/json-envelope.js';
import { quoted } from '../output/sanitize.js';
import { writeStderr, writeStdout } from '../output/std-streams.js';
import { COMM_SHOWN_MAX, renderTextTable } from '../output/text-table.js';
import { parseTargetArgument } from './kill.js';
import { optionError, rejectNegativePids } from './option-errors.js';
import { UsageError } from '../output/usage-error.js';

export const RENICE_USAGE = `Usage: proctop renice PID[:START_TICKS]... (--nice N | --by ±N) [--force] [--json|--table]

Sets (--nice) or moves (--by) the nice value of each process, clamped to ${NICE_MIN}..${NICE_MAX}.
Identity-checked like kill: every target is validated first, and a malformed PID, a protected
target (PID 1, proctop itself, its ancestors without --force) or a PID:START_TICKS naming another
process refuses the whole batch (exit 2, nothing changed). The start time is re-read right
before and after setpriority, so a PID recycled meanwhile is reported, not silently reniced.
Lowering the nice value (more priority) needs root or CAP_SYS_NICE: without it a target is
"permission" and the rest still go.

  --nice N      set the nice value to N (${NICE_MIN}..${NICE_MAX})
  --by ±N       move it by N (+ is nicer, i.e. lower priority)
  --force       allow proctop's ancestors
  --json        JSON result (schema urn:proctop:schema:renice:v1)
  --table       text table (the default)

Exit codes: 0 every target at the asked value, 1 some, 2 none, refused or invalid input.
Each renice is appended to the audit log.
`;

/** Where renice writes; tests inject their own deps (whose collector makes the priority calls). */
export interface ReniceIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly deps: () => Promise<ActionDeps>;
}

const defaultIo = (): ReniceIo => ({ stdout: writeStdout, stderr: writeStderr, deps: () => createSystemDeps() });

/** Parsed command line of `proctop renice`. */
export interface ReniceArgs {
  readonly help: boolean;
  readonly targets: readonly KillTarget[];
  readonly change: NiceChange;
  readonly force: boolean;
  readonly format: 'json' | 'table';
}

function niceArg(flag: string, text: string, signed: boolean): number {
  const pattern = signed ? /^[+-]?\d+$/ : /^-?\d+$/;
  if (!pattern.test(text.trim())) throw new UsageError(`${flag} must be ${signed ? 'a signed whole number such as +5 or -3' : 'a whole number'}, got ${quoted(text)}`);
  const value = Number(text.trim());
  const limit = signed ? NICE_MAX - NICE_MIN : null;
  if (limit !== null ? Math.abs(value) > limit : value < NICE_MIN || value > NICE_MAX) {
    throw new UsageError(`${flag} must be ${signed ? `between -${limit} and +${limit}` : `between ${NICE_MIN} and ${NICE_MAX}`}, got ${quoted(text)}`);
  }
  return value;
}

/** Options of parseArgs besides --nice/--by, which take signed values and are read first. */
const RENICE_OPTIONS = { force: { type: 'boolean' }, json: { type: 'boolean' }, table: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** Turns argv into options; every problem is a one-line UsageError and nothing is changed. */
export function parseReniceArgs(argv: readonly string[]): ReniceArgs {
  // "--by -3" / "--nice -5": node's parseArgs would read the value as an option, so take it here.
  const args = [...argv];
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const eq = /^--(nice|by)=(.*)$/.exec(flag);
    if (eq) {
      values.set(eq[1]!, eq[2]!);
      args.splice(i--, 1);
    } else if (flag === '--nice' || flag === '--by') {
      const value = args[i + 1];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      values.set(flag.slice(2), value);
      args.splice(i--, 2);
    }
  }
  rejectNegativePids(args, RENICE_OPTIONS);
  let parsed;
  try {
    parsed = parseArgs({ args, strict: true, allowPositionals: true, options: RENICE_OPTIONS });
  } catch (err) {
    throw optionError(err, 'renice', argv, 'renice takes PIDs');
  }
  const v = parsed.values;
  const help = v.help === true;
  if (v.json && v.table) throw new UsageError('--json and --table cannot be used together');
  const targets: KillTarget[] = [];
  for (const text of parsed.positionals) targets.push(parseTargetArgument(text, targets));
  const niceText = values.get('nice');
  const byText = values.get('by');
  if (!help) {
    if (targets.length === 0) throw new UsageError('no target: give at least one PID (see proctop renice --help)');
    if (niceText !== undefined && byText !== undefined) throw new UsageError('give --nice N or --by ±N, not both');
    if (niceText === undefined && byText === undefined) throw new UsageError('say what to do: --nice N (set) or --by ±N (move)');
  }
  const change: NiceChange = niceText !== undefined ? { to: niceArg('--nice', niceText, false) } : { by: byText !== undefined ? niceArg('--by', byText, true) : 0 };
  return { help, targets, change, force: v.force === true, format: v.json ? 'json' : 'table' };
}

/** The JSON of a renice: kill's batch fields with nice values before and after. */
export function reniceRecord(result: ReniceResult): Record<string, unknown> {
  const ok = (r: ReniceTargetResult): boolean => r.outcome === 'reniced' || r.outcome === 'unchanged';
  return {
    schema_id: schemaId('renice'),
    timestamp: new Date().toISOString(),
    platform: platformName(),
    nice: 'to' in result.change ? result.change.to : null,
    by: 'by' in result.change ? result.change.by : null,
    succeeded: result.results.filter(ok).map((r) => r.pid),
    failed: result.results.filter((r) => !ok(r)).map((r) => ({ pid: r.pid, error: r.reason ?? r.outcome, outcome: r.outcome })),
    refused: result.refused,
    refusal: result.refusal,
    results: result.results.map((r) => ({
      pid: r.pid,
      start_time: r.startTime,
      comm: r.comm,
      outcome: r.outcome,
      reason: r.reason,
      nice_before: r.before,
      nice_after: r.after,
    })),
    warnings: [...result.warnings],
  };
}

function resultTable(results: readonly ReniceTargetResult[]): string {
  return renderTextTable<ReniceTargetResult>(
    [
      { title: 'PID', cell: (r) => String(r.pid), align: 'right' },
      { title: 'COMM', cell: (r) => r.comm ?? '-', maxWidth: COMM_SHOWN_MAX },
      { title: 'OUTCOME', cell: (r) => r.outcome },
      { title: 'NICE', cell: (r) => (r.before === null ? '' : r.after === null || r.after === r.before ? String(r.before) : `${r.before} -> ${r.after}`) },
      { title: 'DETAIL', cell: (r) => r.reason ?? '', maxWidth: 100 },
    ],
    results,
  );
}

/** `proctop renice` with injectable I/O; returns the exit code. */
export async function runRenice(argv: readonly string[], io: ReniceIo = defaultIo()): Promise<number> {
  const args = parseReniceArgs(argv);
  if (args.help) {
    io.stdout(RENICE_USAGE);
    return 0;
  }
  const result = await reniceMany(args.targets, args.change, await io.deps(), { force: args.force });
  if (args.format === 'json') io.stdout(toJsonText(reniceRecord(result)));
  else {
    io.stdout(resultTable(result.results));
    if (result.refused) io.stderr(`proctop: nothing changed: ${result.refusal}\n`);
  }
  for (const warning of result.warnings) io.stderr(`proctop: warning: ${warning}\n`);
  return reniceExitCode(result);
}

export async function main(argv: readonly string[]): Promise<number> {
  return runRenice(argv);
}
