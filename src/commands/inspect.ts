import { parsePidArgument } from '../actions/guards.js';
import { inspectDocument, fieldWarnings, type InspectView } from '../inspect/inspect-document.js';
import { inspectSections, type InspectSection } from '../inspect/inspect-sections.js';
import { toJsonText } from '../output/json-envelope.js';
import { quoted, sanitizeText } from '../output/sanitize.js';
import { writeStderr, writeStdout } from '../output/std-streams.js';
import { createCollector, type CollectorChoice } from '../sys/collector.js';
import { parseCommandArgs, rejectNegativePids } from './option-errors.js';
import { UsageError } from '../output/usage-error.js';

export const INSPECT_USAGE = `Usage: proctop inspect PID[:START_TICKS] [--json|--text] [--env-values [--no-redact]] [--sha256] [--threads] [--fds]

Everything about one process, for a bug report: identity and lineage, program (exe deleted or
replaced), environment, limits, CPU and scheduling, memory (USS, PSS, swap), I/O, security
(ids, capabilities, no_new_privs, seccomp), namespaces against PID 1's, cgroup (unit, slice,
container, memory.max, cpu.max), open files. A field that cannot be read is null with a warning.

  PID[:START_TICKS]  the process; START_TICKS (start_time_ticks of pstat --json) pins the identity
  --json           JSON (default when stdout is not a terminal)
  --text           sectioned text (default on a terminal)
  --env-values     show environment values; names that look secret (TOKEN, SECRET, PASSWORD,
                   PASSWD, KEY, CREDENTIAL, AUTH, COOKIE, SESSION, PRIVATE) show [redacted]
  --no-redact      with --env-values: show secret-looking values too (redaction off)
  --sha256         hash the running binary (through its exe link) and the file at its path
  --threads        every thread: tid, name, state, CPU time
  --fds            every open fd as \`proctop fds\` lists it (default: counts by kind)
  --help           this text

Exit codes: 0 ok (unreadable fields are warnings), 1 no such process, PID reused, or the process
exited before enough was read, 2 invalid input.
`;

/** Parsed command line of `proctop inspect`. */
export interface InspectCommandOptions {
  readonly pid: number;
  /** null: whichever process has the PID now. */
  readonly startTime: number | null;
  readonly format: 'json' | 'text';
  readonly view: InspectView;
  readonly sha256: boolean;
  readonly threads: boolean;
}

/** Where inspect reads from and writes to; tests inject a collector and capture output. */
export interface InspectIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdoutIsTty: boolean;
  readonly collector: () => CollectorChoice;
}

const defaultIo = (): InspectIo => ({
  stdout: writeStdout,
  stderr: writeStderr,
  stdoutIsTty: process.stdout.isTTY === true,
  collector: () => createCollector(),
});

const INSPECT_OPTIONS = {
  json: { type: 'boolean' },
  text: { type: 'boolean' },
  'env-values': { type: 'boolean' },
  'no-redact': { type: 'boolean' },
  sha256: { type: 'boolean' },
  threads: { type: 'boolean' },
  fds: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Turns argv into options (null for --help); every problem is a one-line UsageError. */
export function parseInspectArgs(argv: readonly string[], stdoutIsTty: boolean): InspectCommandOptions | null {
  rejectNegativePids(argv, INSPECT_OPTIONS);
  const parsed = parseCommandArgs('inspect', argv, INSPECT_OPTIONS, true, 'inspect takes one PID[:START_TICKS]');
  const v = parsed.values;
  if (v.help) return null;
  if (v.json && v.text) throw new UsageError('--json and --text cannot be used together');
  if (v['no-redact'] && !v['env-values']) throw new UsageError('--no-redact only applies with --env-values');
  if (parsed.positionals.length === 0) throw new UsageError('inspect needs a PID (see proctop inspect --help)');
  if (parsed.positionals.length > 1) throw new UsageError(`inspect takes one PID, got ${parsed.positionals.length}`);
  const text = parsed.positionals[0] as string;
  const [pidText = '', startText] = text.split(':', 2);
  const pid = parsePidArgument(pidText);
  if (typeof pid === 'string') throw new UsageError(pid);
  if (startText !== undefined && !/^\d+$/.test(startText)) throw new UsageError(`invalid identity ${quoted(text)}: use PID or PID:START_TICKS`);
  return {
    pid,
    startTime: startText === undefined ? null : Number(startText),
    format: v.json ? 'json' : v.text ? 'text' : stdoutIsTty ? 'text' : 'json',
    view: { disclosure: v['no-redact'] ? 'unredacted' : v['env-values'] ? 'values' : 'names', fds: v.fds === true },
    sha256: v.sha256 === true,
    threads: v.threads === true,
  };
}

/** Sections as text: a title line, then "  label  value" rows aligned per section; every string sanitized. */
export function renderSections(sections: readonly InspectSection[]): string {
  const out: string[] = [];
  for (const section of sections) {
    out.push(section.title);
    const width = Math.min(22, Math.max(...section.rows.map(([label]) => label.length)));
    for (const [label, value] of section.rows) out.push(`  ${sanitizeText(label).padEnd(width)}  ${sanitizeText(value)}`.trimEnd());
    out.push('');
  }
  return out.join('\n');
}

export async function main(argv: readonly string[], io: InspectIo = defaultIo()): Promise<number> {
  const options = parseInspectArgs(argv, io.stdoutIsTty);
  if (!options) {
    io.stdout(INSPECT_USAGE);
    return 0;
  }
  const choice = io.collector();
  if (choice.notice) io.stderr(`proctop: ${choice.notice}\n`);
  const result = await choice.collector.inspect(options.pid, options.startTime, {
    smaps: true,
    sha256: options.sha256,
    threads: options.threads,
    fds: options.view.fds,
    lineage: true,
  });
  if (result.error) {
    io.stderr(`proctop: ${result.error.message}\n`);
    return 1;
  }
  const inspection = result.inspection;
  if (options.format === 'json') {
    io.stdout(toJsonText(inspectDocument(inspection, options.view, choice.notice ? [choice.notice] : [])));
  } else {
    io.stdout(renderSections(inspectSections(inspection, options.view)));
    for (const warning of fieldWarnings(inspection)) io.stderr(`proctop: warning: ${warning}\n`);
  }
  return 0;
}
