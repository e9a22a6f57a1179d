import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createSystemDeps, type ActionDeps } from '../actions/deps.js';
import { parsePidArgument } from '../actions/guards.js';
import { killExitCode, killMany } from '../actions/kill-many.js';
import { formatLadder, type Ladder } from '../actions/ladder.js';
import { stopExitCode, stopMany } from '../actions/stop-many.js';
import { parseSignal, signalName, SIGNAL_NUMBERS } from '../actions/signals.js';
import { formatBytes } from '../output/format.js';
import { platformName, schemaId, toJsonText, writeJsonList } from '../output/json-envelope.js';
import { quoted, sanitizeText, warningLine } from '../output/sanitize.js';
import { writeStderr, writeStdout } from '../output/std-streams.js';
import { renderTextTable } from '../output/text-table.js';
import { statusJson, type LiveFigures } from '../registry/entry-json.js';
import { writeStoredList, type ListedEntry } from '../registry/list-json.js';
import { Registry, selectForAction, type LabelKind, type RunLog } from '../registry/registry.js';
import { commandText, isEmptySelector, labelProblem, matchesSelector, type RegistrySelector } from '../registry/selectors.js';
import type { DeathReason, EntrySummary, TrackedEntry, TrackedStatus } from '../registry/types.js';
import { Sampler } from '../sampler/sampler.js';
import type { ProcessRow } from '../sampler/types.js';
import { LockTimeoutError } from '../storage/file-lock.js';
import { RegistryFileError } from '../storage/registry-file.js';
import { StateDirError } from '../storage/state-dir.js';
import { createCollector } from '../sys/collector.js';
import { formatDuration } from '../util/duration.js';
import { askOnTerminal, ladderArg, ladderJson } from './terminate-tree.js';
import { optionError, rejectNegativePids } from './option-errors.js';
import { UsageError } from '../output/usage-error.js';

export const TRACK_USAGE = `Usage: proctop track add PID[:START_TICKS] [--name NAME] [--tag T]... [--group G]...
       proctop track run [--name NAME] [--tag T]... [--group G]... [--log FILE | --no-log] [--cwd DIR] -- CMD [ARG...]
       proctop track list [SELECTORS] [--alive | --dead]
       proctop track rm   SELECTORS [--all]
       proctop track kill SELECTORS [--all] [-s|--signal SIG | --ladder TERM:5s,KILL:2s] [--keep] [--yes]
       proctop track tag NAME [--rename NEW]
       proctop track group NAME [--rename NEW]
       proctop track reset --confirm RESET

Tracks processes by name, tags and groups, with no daemon: an entry is alive while a process
with its PID and start time exists on the boot it was registered on, so a reused PID is dead.

Selectors (every kind given must match; rm and kill need one):
  --tag T            carries any of the --tag values (repeatable)
  --tag-all T        carries all of the --tag-all values
  --group G          in any of the --group values (repeatable)
  --group-all G      in all of the --group-all values
  --name NAME        this exact name (repeatable)
  --id N             this registry id (repeatable)
  --pid N            this PID (repeatable)
  --search TEXT      TEXT is part of the stored command line
Options:
  --name NAME        add, run: a unique name (not all digits, no spaces or commas)
  --tag T, --group G add, run: labels (repeatable)
  --log FILE         run: append stdout and stderr here (default <state dir>/logs/ID.log)
  --no-log           run: send them to /dev/null
  --cwd DIR          run: working directory
  --alive, --dead    list: only alive / only dead entries
  --all              rm, kill: act on every match (refused without it when more than one)
  -s, --signal SIG   kill: the signal (default TERM), identity-checked like proctop kill
  --ladder LADDER    kill: climb a stop ladder instead, like proctop stop
  --keep             kill: keep the signalled entries (default: forget them)
  -y, --yes          kill: do not ask on a terminal
  --rename NEW       tag, group: rename it across the registry
  --confirm RESET    reset: forget every entry, ids restart at 1
  --json, --table    output (default: a table on a terminal, JSON otherwise)

run starts CMD in a new session, detached, and exits while CMD keeps running. kill signals only
alive entries and forgets those it signalled (ended, with --ladder) unless --keep.

Registry: $XDG_STATE_HOME/proctop/registry.json (PROCTOP_REGISTRY overrides), locked for at most
5 s per change. Last seen is written at most every 15 s (last_seen_interval in the config file,
PROCTOP_LAST_SEEN_INTERVAL).
Exit codes: 0 ok; 1 partial, already tracked, nothing found, or an unusable registry; 2 invalid
input, a name in use, several matches without --all, or nothing signalled.
`;

/** Where track reads and writes; tests inject answers and a recording signaller. */
export interface TrackIo {
  /** Text, or bytes already UTF-8 (a big listing is written in pieces). */
  readonly stdout: (text: string | Uint8Array) => void;
  readonly stderr: (text: string) => void;
  readonly stdoutIsTty: boolean;
  readonly stdinIsTty: boolean;
  readonly confirm: (question: string) => Promise<boolean>;
  readonly registry: () => Promise<Registry>;
  readonly deps: () => Promise<ActionDeps>;
  /** One sample of every process (live figures for list). */
  readonly sampleRows: () => Promise<readonly ProcessRow[]>;
}

const defaultIo = (): TrackIo => ({
  stdout: writeStdout,
  stderr: writeStderr,
  stdoutIsTty: process.stdout.isTTY === true,
  stdinIsTty: process.stdin.isTTY === true,
  confirm: askOnTerminal,
  registry: () => Registry.open(),
  deps: () => createSystemDeps(),
  sampleRows: async () => (await new Sampler(createCollector().collector).sample()).rows,
});

const SELECTOR_OPTIONS = {
  tag: { type: 'string', multiple: true },
  'tag-all': { type: 'string', multiple: true },
  group: { type: 'string', multiple: true },
  'group-all': { type: 'string', multiple: true },
  name: { type: 'string', multiple: true },
  id: { type: 'string', multiple: true },
  pid: { type: 'string', multiple: true },
  search: { type: 'string' },
} as const;

const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  table: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parse(sub: string, argv: readonly string[], options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>, positionals: boolean): { values: Values; positionals: string[] } {
  const all = { ...COMMON_OPTIONS, ...options };
  rejectNegativePids(argv, all);
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals: positionals, options: all });
  } catch (err) {
    throw optionError(err, `track ${sub}`, argv, positionals ? 'see proctop track --help' : `track ${sub} takes only options`);
  }
}

const strings = (v: Values, key: string): string[] => (v[key] as string[] | undefined) ?? [];

function positiveInts(flag: string, texts: readonly string[]): number[] {
  return texts.map((t) => {
    if (!/^\d+$/.test(t.trim()) || !Number.isSafeInteger(Number(t)) || Number(t) < 1) throw new UsageError(`${flag} must be a positive integer, got "${t}"`);
    return Number(t);
  });
}

function checkLabels(kind: 'name' | 'tag' | 'group', values: readonly string[]): string[] {
  for (const v of values) {
    const problem = labelProblem(kind, v);
    if (problem) throw new UsageError(problem);
  }
  return [...values];
}

function selectorOf(v: Values): RegistrySelector {
  const search = v.search as string | undefined;
  if (search === '') throw new UsageError('--search must not be empty');
  return {
    ids: positiveInts('--id', strings(v, 'id')),
    pids: positiveInts('--pid', strings(v, 'pid')),
    names: checkLabels('name', strings(v, 'name')),
    tags: checkLabels('tag', strings(v, 'tag')),
    tagsAll: checkLabels('tag', strings(v, 'tag-all')),
    groups: checkLabels('group', strings(v, 'group')),
    groupsAll: checkLabels('group', strings(v, 'group-all')),
    ...(search !== undefined ? { search } : {}),
  };
}

function formatOf(v: Values, io: TrackIo): 'json' | 'table' {
  if (v.json && v.table) throw new UsageError('--json and --table cannot be used together');
  if (v.json) return 'json';
  if (v.table) return 'table';
  return io.stdoutIsTty ? 'table' : 'json';
}

function envelopeValue(command: string, registry: Registry, fields: Record<string, unknown>, warnings: readonly string[] = []): Record<string, unknown> {
  return { schema_id: schemaId('track'), timestamp: new Date().toISOString(), platform: platformName(), command, registry_path: registry.path, ...fields, warnings: [...warnings] };
}

function envelope(command: string, registry: Registry, fields: Record<string, unknown>, warnings: readonly string[] = []): string {
  return toJsonText(envelopeValue(command, registry, fields, warnings));
}

const DEATH_TEXT: Readonly<Record<DeathReason, string>> = { exited: 'exited', reused: 'PID reused', 'other-boot': 'before reboot' };

function agoText(iso: string | null, nowMs: number): string {
  if (iso === null) return '-';
  const ms = Math.max(0, nowMs - Date.parse(iso));
  return ms < 1000 ? 'now' : `${formatDuration(ms)} ago`;
}

/** ID PID NAME ALIVE LAST-SEEN TAGS GROUPS CPU% RSS COMMAND. */
function entriesTable(statuses: readonly TrackedStatus[], live: ReadonlyMap<number, LiveFigures>): string {
  const now = Date.now();
  return renderTextTable<TrackedStatus>(
    [
      { title: 'ID', cell: (s) => String(s.entry.id), align: 'right' },
      { title: 'PID', cell: (s) => String(s.entry.pid), align: 'right' },
      { title: 'NAME', cell: (s) => s.entry.name ?? '-', maxWidth: 24 },
      { title: 'ALIVE', cell: (s) => (s.liveness.alive ? 'yes' : `no (${DEATH_TEXT[s.liveness.reason]})`) },
      { title: 'LAST-SEEN', cell: (s) => (s.liveness.alive ? 'now' : agoText(s.entry.lastSeen, now)) },
      { title: 'TAGS', cell: (s) => s.entry.tags.join(',') || '-', maxWidth: 30 },
      { title: 'GROUPS', cell: (s) => s.entry.groups.join(',') || '-', maxWidth: 30 },
      { title: 'CPU%', cell: (s) => { const f = live.get(s.entry.id); return f ? f.cpuPercent.toFixed(1) : '-'; }, align: 'right' },
      { title: 'RSS', cell: (s) => { const f = live.get(s.entry.id); return f ? formatBytes(f.rssBytes) : '-'; }, align: 'right' },
      { title: 'COMMAND', cell: (s) => commandText(s.entry), maxWidth: 120 },
    ],
    statuses,
  );
}

/** "id 3, PID 1234 (web)" for messages (a hand-edited registry may hold anything: sanitized). */
function entryLine(entry: TrackedEntry): string {
  return `id ${entry.id}, PID ${entry.pid}${entry.name !== null ? ` (${sanitizeText(entry.name)})` : ''}`;
}

async function trackAdd(argv: readonly string[], io: TrackIo): Promise<number> {
  const { values: v, positionals } = parse('add', argv, { name: { type: 'string' }, tag: { type: 'string', multiple: true }, group: { type: 'string', multiple: true } }, true);
  if (v.help) return usage(io);
  const format = formatOf(v, io);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'track add needs a PID (or PID:START_TICKS)' : 'track add takes one PID');
  const text = positionals[0] ?? '';
  const [pidText = '', startText] = text.split(':', 2);
  const pid = parsePidArgument(pidText);
  if (typeof pid === 'string') throw new UsageError(pid);
  if (startText !== undefined && !/^\d+$/.test(startText)) throw new UsageError(`invalid identity "${text}": use PID or PID:START_TICKS`);
  const name = v.name as string | undefined;
  if (name !== undefined) checkLabels('name', [name]);
  const labels = { name: name ?? null, tags: checkLabels('tag', strings(v, 'tag')), groups: checkLabels('group', strings(v, 'group')) };
  const registry = await io.registry();
  const outcome = await registry.add(startText === undefined ? { pid } : { pid, startTime: Number(startText) }, labels);
  switch (outcome.status) {
    case 'added':
    case 'exists': {
      const [status] = await registry.statuses([outcome.entry]);
      if (format === 'json') io.stdout(envelope('add', registry, { status: outcome.status, entry: statusJson(status!) }));
      else io.stdout(outcome.status === 'added' ? `tracked ${entryLine(outcome.entry)}\n` : '');
      if (outcome.status === 'exists') {
        io.stderr(`proctop: PID ${pid} is already tracked as ${entryLine(outcome.entry)}\n`);
        return 1;
      }
      return 0;
    }
    case 'name-taken':
      throw new UsageError(`name "${name}" is already used by ${entryLine(outcome.entry)}`);
    case 'no-process':
      throw new UsageError(`no process with PID ${pid} (or it is not visible to you)`);
    case 'reused':
      throw new UsageError(`PID ${pid} is no longer the process with start time ${outcome.startTime} (PID reused)`);
    case 'exited':
      throw new UsageError(`PID ${pid} has exited (zombie): nothing to track`);
  }
}

async function trackRun(argv: readonly string[], io: TrackIo): Promise<number> {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  const { values: v, positionals: stray } = parse(
    'run',
    own,
    { name: { type: 'string' }, tag: { type: 'string', multiple: true }, group: { type: 'string', multiple: true }, log: { type: 'string' }, 'no-log': { type: 'boolean' }, cwd: { type: 'string' } },
    true,
  );
  if (v.help) return usage(io);
  const format = formatOf(v, io);
  if (stray.length > 0 || command.length === 0 || command[0] === '') throw new UsageError('track run needs a command after --: proctop track run [options] -- CMD [ARG...]');
  if (v.log !== undefined && v['no-log']) throw new UsageError('--log and --no-log cannot be used together');
  if (v.log === '') throw new UsageError('--log must not be empty');
  const name = v.name as string | undefined;
  if (name !== undefined) checkLabels('name', [name]);
  const labels = { name: name ?? null, tags: checkLabels('tag', strings(v, 'tag')), groups: checkLabels('group', strings(v, 'group')) };
  let cwd: string | undefined;
  if (v.cwd !== undefined) {
    cwd = resolve(v.cwd as string);
    const info = await stat(cwd).catch(() => null);
    if (!info?.isDirectory()) throw new UsageError(`--cwd ${quoted(v.cwd as string)}: not a directory`);
  }
  const log: RunLog = v['no-log'] ? { kind: 'none' } : v.log !== undefined ? { kind: 'file', path: resolve(v.log as string) } : { kind: 'default' };
  const registry = await io.registry();
  const outcome = await registry.run({ command: command[0]!, args: command.slice(1), ...(cwd !== undefined ? { cwd } : {}), log }, labels);
  if (outcome.status === 'failed') throw new UsageError(sanitizeText(outcome.message));
  if (outcome.status === 'name-taken') throw new UsageError(`name "${name}" is already used by ${entryLine(outcome.entry)}; nothing started`);
  const [status] = await registry.statuses([outcome.entry]);
  if (format === 'json') io.stdout(envelope('run', registry, { status: 'started', entry: statusJson(status!) }));
  else io.stdout(`started and tracked ${entryLine(outcome.entry)}${outcome.entry.logPath ? `, log ${outcome.entry.logPath}` : ''}\n`);
  return 0;
}

async function trackList(argv: readonly string[], io: TrackIo): Promise<number> {
  const { values: v } = parse('list', argv, { ...SELECTOR_OPTIONS, alive: { type: 'boolean' }, dead: { type: 'boolean' } }, false);
  if (v.help) return usage(io);
  const format = formatOf(v, io);
  if (v.alive && v.dead) throw new UsageError('--alive and --dead cannot be used together');
  const selector = selectorOf(v);
  const registry = await io.registry();
  const byState = (s: TrackedStatus<EntrySummary>): boolean => (v.alive ? s.liveness.alive : v.dead ? !s.liveness.alive : true);
  // JSON without selectors prints the entries from their stored lines: a big registry is not
  // parsed whole (selectors and the table need whole entries).
  const [listing, rows] = await Promise.all([format === 'json' && isEmptySelector(selector) ? registry.readListing() : registry.read(), io.sampleRows()]);
  if ('lines' in listing && listing.lines) {
    const { listed, warning } = await observeListed(registry, listing.entries, rows, byState);
    writeStoredList(envelopeValue('list', registry, { entries: null }, warning ? [warning] : []), listed, listing.lines, liveFigures(listed, rows), io.stdout);
    return 0;
  }
  const data = 'lines' in listing ? listing.read.data : listing;
  const { listed, warning } = await observeListed(registry, data.entries, rows, (s) => byState(s) && matchesSelector(s.entry, selector));
  const live = liveFigures(listed, rows);
  const warnings = warning ? [warning] : [];
  if (format === 'json') writeJsonList(envelopeValue('list', registry, { entries: null }, warnings), 'entries', listed, (l) => statusJson(l.status, live.get(l.status.entry.id)), io.stdout);
  else {
    if (listed.length > 0) io.stdout(entriesTable(listed.map((l) => l.status), live));
    else io.stdout(data.entries.length === 0 ? 'No tracked processes (proctop track add PID, or proctop track run -- CMD).\n' : 'No tracked process matches.\n');
    for (const w of warnings) io.stderr(warningLine(w));
  }
  return 0;
}

/** The entries' statuses, observed (last seen written when due), those `keep` passes with their index in the registry. */
async function observeListed<E extends EntrySummary>(registry: Registry, entries: readonly E[], rows: readonly ProcessRow[], keep: (s: TrackedStatus<E>) => boolean): Promise<{ listed: ListedEntry<E>[]; warning: string | null }> {
  const { statuses, warning } = await registry.observe(await registry.statuses(entries, rows));
  // observe keeps the order: index n is the registry's entry n (its stored line).
  const listed: ListedEntry<E>[] = [];
  for (let index = 0; index < statuses.length; index++) {
    const status = statuses[index]!;
    if (keep(status)) listed.push({ status, index });
  }
  return { listed, warning };
}

/** Live figures of the listed alive entries, by entry id, from the snapshot's rows. */
function liveFigures(listed: readonly ListedEntry<EntrySummary>[], rows: readonly ProcessRow[]): Map<number, LiveFigures> {
  const byPid = new Map(rows.map((r) => [r.pid, r]));
  const live = new Map<number, LiveFigures>();
  for (const { status: s } of listed) {
    const row = s.liveness.alive ? byPid.get(s.entry.pid) : undefined;
    if (row) live.set(s.entry.id, { cpuPercent: row.cpuPercentLifetime, rssBytes: row.rssBytes, state: row.state });
  }
  return live;
}

function refuseSelection(sub: string, selection: { status: 'none' } | { status: 'ambiguous'; count: number }): never {
  if (selection.status === 'ambiguous') throw new UsageError(`${selection.count} tracked processes match; add --all to ${sub} them all (nothing done)`);
  throw new NothingMatches('no tracked process matches');
}

/** Selectors that matched nothing: exit 1 with a friendly line. */
class NothingMatches extends Error {}

async function trackRm(argv: readonly string[], io: TrackIo): Promise<number> {
  const { values: v } = parse('rm', argv, { ...SELECTOR_OPTIONS, all: { type: 'boolean' } }, false);
  if (v.help) return usage(io);
  const format = formatOf(v, io);
  const selector = selectorOf(v);
  if (isEmptySelector(selector)) throw new UsageError('track rm needs a selector (--id, --name, --tag, --group, --pid, --search...)');
  const registry = await io.registry();
  const selection = await registry.remove(selector, { all: v.all === true });
  if (selection.status !== 'selected') refuseSelection('remove', selection);
  const statuses = await registry.statuses(selection.entries);
  if (format === 'json') io.stdout(envelope('rm', registry, { removed: statuses.map((s) => statusJson(s)) }));
  else for (const e of selection.entries) io.stdout(`untracked ${entryLine(e)}\n`);
  return 0;
}

/** What happened to one alive entry: killMany's or the stop ladder's per-target result. */
interface KillFate {
  readonly outcome: string;
  readonly reason: string | null;
  readonly viaPidfd: boolean;
  /** Ladder: the signal of the rung that ended it. */
  readonly endedBy: number | null;
  /** The entry's process is gone because of us (sent, or ended by the ladder): it is forgotten unless --keep. */
  readonly done: boolean;
}

/** One entry's fate in `track kill`. */
interface KillRow {
  readonly status: TrackedStatus;
  /** The fate of an alive entry; null for dead ones (not signalled). */
  readonly fate: KillFate | null;
  readonly removed: boolean;
}

function killRowJson(row: KillRow): Record<string, unknown> {
  const f = row.fate;
  const dead = row.status.liveness.alive ? null : row.status.liveness.reason;
  return {
    id: row.status.entry.id,
    name: row.status.entry.name,
    pid: row.status.entry.pid,
    start_time: row.status.entry.startTime,
    outcome: f ? f.outcome : 'dead',
    reason: f ? f.reason : `not signalled: ${DEATH_TEXT[dead ?? 'exited']}`,
    via_pidfd: f ? f.viaPidfd : false,
    ended_by: f?.endedBy != null ? signalName(f.endedBy) : null,
    removed: row.removed,
  };
}

function killTable(rows: readonly KillRow[]): string {
  return renderTextTable<KillRow>(
    [
      { title: 'ID', cell: (r) => String(r.status.entry.id), align: 'right' },
      { title: 'PID', cell: (r) => String(r.status.entry.pid), align: 'right' },
      { title: 'NAME', cell: (r) => r.status.entry.name ?? '-', maxWidth: 24 },
      { title: 'OUTCOME', cell: (r) => String(killRowJson(r).outcome) + (r.fate?.endedBy != null ? ` (${signalName(r.fate.endedBy)})` : '') },
      { title: 'FORGOTTEN', cell: (r) => (r.removed ? 'yes' : 'no') },
      { title: 'DETAIL', cell: (r) => String(killRowJson(r).reason ?? ''), maxWidth: 80 },
      { title: 'COMMAND', cell: (r) => commandText(r.status.entry), maxWidth: 80 },
    ],
    rows,
  );
}

/**
 * Signals the alive entries once (killMany) or climbs a stop ladder (stopMany); per-target fates
 * in order. Per target, not all-or-nothing: the identities were stored, maybe long ago, and one
 * that stopped being its process (exited, PID reused) or is protected must not hold back the rest.
 */
async function signalEntries(alive: readonly TrackedStatus[], how: { signal: number; ladder: Ladder | null }, deps: ActionDeps): Promise<{ fates: KillFate[]; exitCode: number; warnings: readonly string[]; refusal: string | null }> {
  const targets = alive.map((s) => ({ pid: s.entry.pid, startTime: s.entry.startTime }));
  if (how.ladder) {
    const result = await stopMany(targets, how.ladder, deps, { allOrNothing: false, action: 'track-kill' });
    return {
      fates: result.results.map((r) => ({ outcome: r.outcome, reason: r.reason, viaPidfd: false, endedBy: r.endedBy, done: r.outcome === 'ended' })),
      exitCode: stopExitCode(result),
      warnings: result.warnings,
      refusal: result.refused ? result.refusal : null,
    };
  }
  const result = await killMany(targets, how.signal, deps, { allOrNothing: false, action: 'track-kill' });
  return {
    fates: result.results.map((r) => ({ outcome: r.outcome, reason: r.reason, viaPidfd: r.viaPidfd, endedBy: null, done: r.outcome === 'sent' })),
    exitCode: killExitCode(result),
    warnings: result.warnings,
    refusal: null,
  };
}

async function trackKill(argv: readonly string[], io: TrackIo): Promise<number> {
  const { values: v } = parse('kill', argv, { ...SELECTOR_OPTIONS, all: { type: 'boolean' }, signal: { type: 'string', short: 's' }, ladder: { type: 'string' }, keep: { type: 'boolean' }, yes: { type: 'boolean', short: 'y' } }, false);
  if (v.help) return usage(io);
  const format = formatOf(v, io);
  const selector = selectorOf(v);
  if (isEmptySelector(selector)) throw new UsageError('track kill needs a selector (--id, --name, --tag, --group, --pid, --search...)');
  if (v.signal !== undefined && v.ladder !== undefined) throw new UsageError('-s and --ladder cannot be used together');
  let signal: number = SIGNAL_NUMBERS.TERM;
  if (v.signal !== undefined) {
    const parsed = parseSignal(v.signal as string);
    if (parsed === null) throw new UsageError(`unknown signal ${quoted(v.signal as string)} (see proctop kill -l)`);
    signal = parsed;
  }
  const ladder = v.ladder !== undefined ? ladderArg(v.ladder as string) : null;
  const registry = await io.registry();
  const selection = selectForAction((await registry.read()).entries, selector, v.all === true);
  if (selection.status !== 'selected') refuseSelection('kill', selection);
  const { statuses, warning: observeWarning } = await registry.observe(await registry.statuses(selection.entries));
  const alive = statuses.filter((s) => s.liveness.alive);
  const what = ladder ? `the stop ladder ${formatLadder(ladder)}` : signalName(signal);
  if (alive.length > 0 && !v.yes && io.stdinIsTty) {
    io.stderr(entriesTable(alive, new Map()));
    if (!(await io.confirm(`Send ${what} to ${alive.length} tracked process(es)? [y/N] `))) {
      io.stderr('proctop: cancelled; nothing sent\n');
      return 2;
    }
  }
  const sent = alive.length > 0 ? await signalEntries(alive, { signal, ladder }, await io.deps()) : null;
  const done = alive.filter((_, i) => sent?.fates[i]?.done === true).map((s) => s.entry);
  const removed = v.keep ? [] : await registry.removeEntries(done);
  const removedIds = new Set(removed.map((e) => e.id));
  const rows: KillRow[] = statuses.map((status) => {
    const at = alive.indexOf(status);
    return { status, fate: at >= 0 ? (sent?.fates[at] ?? null) : null, removed: removedIds.has(status.entry.id) };
  });
  const warnings = [...(sent?.warnings ?? []), ...(observeWarning ? [observeWarning] : [])];
  const first = ladder ? (ladder[0]?.signal ?? signal) : signal;
  if (format === 'json') {
    io.stdout(envelope('kill', registry, { signal_sent: first, signal_name: signalName(first), ladder: ladder ? ladderJson(ladder) : null, results: rows.map(killRowJson), removed: [...removedIds] }, warnings));
  } else {
    io.stdout(killTable(rows));
    for (const w of warnings) io.stderr(warningLine(w));
  }
  if (sent?.refusal) io.stderr(`proctop: nothing sent: ${sent.refusal}\n`);
  if (!sent) {
    io.stderr('proctop: no selected tracked process is alive; nothing sent\n');
    return 2;
  }
  return sent.exitCode;
}

async function trackLabel(kind: LabelKind, argv: readonly string[], io: TrackIo): Promise<number> {
  const { values: v, positionals } = parse(kind, argv, { rename: { type: 'string' } }, true);
  if (v.help) return usage(io);
  const format = formatOf(v, io);
  if (positionals.length !== 1) throw new UsageError(`track ${kind} takes one ${kind} name`);
  const label = checkLabels(kind, positionals)[0]!;
  const to = v.rename as string | undefined;
  if (to !== undefined) checkLabels(kind, [to]);
  const registry = await io.registry();
  const entries = to !== undefined ? await registry.renameLabel(kind, label, to) : await registry.withLabel(kind, label);
  if (entries.length === 0) {
    if (format === 'json') io.stdout(envelope(kind, registry, { label, renamed_to: null, entries: [] }));
    io.stderr(`proctop: no tracked process has the ${kind} "${label}"\n`);
    return 1;
  }
  const { statuses, warning } = await registry.observe(await registry.statuses(entries));
  if (format === 'json') io.stdout(envelope(kind, registry, { label, renamed_to: to ?? null, entries: statuses.map((s) => statusJson(s)) }, warning ? [warning] : []));
  else {
    if (to !== undefined) io.stdout(`renamed ${kind} "${label}" to "${to}" on ${entries.length} tracked process(es)\n`);
    io.stdout(entriesTable(statuses, new Map()));
  }
  return 0;
}

async function trackReset(argv: readonly string[], io: TrackIo): Promise<number> {
  const { values: v } = parse('reset', argv, { confirm: { type: 'string' } }, false);
  if (v.help) return usage(io);
  const format = formatOf(v, io);
  if (v.confirm !== 'RESET') throw new UsageError('track reset forgets every tracked process: pass --confirm RESET');
  const registry = await io.registry();
  const forgotten = await registry.reset();
  if (format === 'json') io.stdout(envelope('reset', registry, { forgotten }));
  else io.stdout(`forgot ${forgotten} tracked process(es); ids restart at 1\n`);
  return 0;
}

function usage(io: TrackIo): number {
  io.stdout(TRACK_USAGE);
  return 0;
}

const SUBCOMMANDS: Readonly<Record<string, (argv: readonly string[], io: TrackIo) => Promise<number>>> = {
  add: trackAdd,
  run: trackRun,
  list: trackList,
  ls: trackList,
  rm: trackRm,
  kill: trackKill,
  tag: (argv, io) => trackLabel('tag', argv, io),
  group: (argv, io) => trackLabel('group', argv, io),
  reset: trackReset,
};

/** `proctop track ...` with injectable I/O; returns the exit code. */
export async function runTrack(argv: readonly string[], io: TrackIo = defaultIo()): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') return usage(io);
  const command = SUBCOMMANDS[sub];
  if (!command) throw new UsageError(`unknown track command "${sub}" (add, run, list, rm, kill, tag, group, reset)`);
  try {
    return await command(rest, io);
  } catch (err) {
    if (err instanceof NothingMatches) {
      io.stderr(`proctop: ${err.message}\n`);
      return 1;
    }
    // An unusable registry or a lock held too long: one line, exit 1, the file untouched.
    if (err instanceof RegistryFileError || err instanceof LockTimeoutError || err instanceof StateDirError) {
      io.stderr(`proctop: ${sanitizeText((err as Error).message)}\n`);
      return 1;
    }
    throw err;
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  return runTrack(argv);
}
