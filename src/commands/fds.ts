import { parseArgs } from 'node:util';
import { toJsonText } from '../output/json-envelope.js';
import { renderTextTable, type TextColumn } from '../output/text-table.js';
import { describeFdState, describeFdTarget } from '../fds/describe-fd.js';
import { FD_KINDS, isFdKind } from '../fds/fd-counts.js';
import { fdSnapshotJson } from '../fds/fd-snapshot-json.js';
import { createCollector, type CollectorChoice } from '../sys/collector.js';
import type { FdEntry, FdKind } from '../sys/types.js';
import { optionError } from './option-errors.js';
import { UsageError } from '../output/usage-error.js';
import { writeStderr, writeStdout } from '../output/std-streams.js';
import { quoted, warningLine } from '../output/sanitize.js';
import { effectiveUid } from '../sys/accounts.js';

export const FDS_USAGE = `Usage: proctop fds --pid PID [--kind KIND] [--json|--table]

List the open file descriptors of one process: files (deleted and memfd marked, mode, position),
sockets resolved through the process's own network namespace (protocol, addresses, state),
pipes with the processes holding the other end, and anon fds (eventfd, epoll, ...).

  --pid PID      the process (required)
  --kind KIND    only fds of this kind: ${FD_KINDS.join(', ')}
  --json         JSON (default when stdout is not a terminal)
  --table        aligned text table (default on a terminal)
  --help         this text

Exit codes: 0 ok, 1 the process does not exist or is not readable (permission denied), 2 invalid input.
`;

/** Parsed command line of `proctop fds`. */
export interface FdsOptions {
  readonly pid: number;
  readonly kind: FdKind | null;
  readonly format: 'json' | 'table';
}

/** Where fds reads from and writes to; tests inject a collector and capture output. */
export interface FdsIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdoutIsTty: boolean;
  readonly collector: () => CollectorChoice;
  /** Effective uid (default the process's): decides what an EACCES message advises. */
  readonly euid?: number;
}

const defaultIo = (): FdsIo => ({
  stdout: writeStdout,
  stderr: writeStderr,
  stdoutIsTty: process.stdout.isTTY === true,
  collector: () => createCollector(),
});

/** A PID: digits only, 1 .. 2^31-1 (the kernel's pid_t range). */
export function parsePid(text: string | undefined): number {
  if (text === undefined) throw new UsageError('fds needs --pid PID (see proctop fds --help)');
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1 || value > 2 ** 31 - 1) {
    throw new UsageError(`--pid must be a positive integer, got ${quoted(text)}`);
  }
  return value;
}

/** Turns argv into options (null for --help); every problem is a one-line UsageError. */
export function parseFdsArgs(argv: readonly string[], stdoutIsTty: boolean): FdsOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        pid: { type: 'string' },
        kind: { type: 'string' },
        json: { type: 'boolean' },
        table: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw optionError(err, 'fds', argv, 'use --pid PID');
  }
  if (values.help) return null;
  if (values.json && values.table) throw new UsageError('--json and --table cannot be used together');
  const pid = parsePid(values.pid);
  let kind: FdKind | null = null;
  if (values.kind !== undefined) {
    if (!isFdKind(values.kind)) throw new UsageError(`--kind must be one of ${FD_KINDS.join(', ')}, got ${quoted(values.kind)}`);
    kind = values.kind;
  }
  const format = values.json ? 'json' : values.table ? 'table' : stdoutIsTty ? 'table' : 'json';
  return { pid, kind, format };
}

const FD_COLUMNS: readonly TextColumn<FdEntry>[] = [
  { title: 'FD', cell: (e) => String(e.fd), align: 'right' },
  { title: 'KIND', cell: (e) => e.kind },
  { title: 'MODE', cell: (e) => e.mode ?? '' },
  { title: 'POS', cell: (e) => (e.position === null ? '' : String(e.position)), align: 'right' },
  { title: 'STATE', cell: (e) => describeFdState(e) },
  { title: 'NAME', cell: (e) => describeFdTarget(e) },
];

/** Renders fds as the --table text. */
export function renderFdTable(entries: readonly FdEntry[]): string {
  return renderTextTable(FD_COLUMNS, entries);
}

/** Why the fd links of `pid` are unreadable, and what would help: root is told what it lacks, not to become root. */
export function fdAccessDenied(pid: number, euid: number): string {
  if (euid === 0) {
    return `permission denied listing the fds of process ${pid} although running as root: the kernel's ptrace access check refused it (a security module, a container boundary or a missing CAP_SYS_PTRACE)`;
  }
  return `permission denied listing the fds of process ${pid}: run as the owner of process ${pid} or root`;
}

export async function main(argv: readonly string[], io: FdsIo = defaultIo()): Promise<number> {
  const options = parseFdsArgs(argv, io.stdoutIsTty);
  if (!options) {
    io.stdout(FDS_USAGE);
    return 0;
  }
  const choice = io.collector();
  if (choice.notice) io.stderr(`proctop: ${choice.notice}\n`);
  // Pipe peers cost a scan of every process: only when pipes are among what was asked for.
  const pipePeers = options.kind === null || options.kind === 'pipe';
  const listing = await choice.collector.listFds(options.pid, { pipePeers });
  if (listing.error) {
    const hint = listing.error.code === 'EACCES' ? fdAccessDenied(options.pid, io.euid ?? effectiveUid()) : listing.error.message;
    io.stderr(`proctop: ${hint}\n`);
    return 1;
  }
  const entries = options.kind ? listing.fds.filter((e) => e.kind === options.kind) : listing.fds;
  const warnings = choice.notice ? [choice.notice, ...listing.warnings] : listing.warnings;
  if (options.format === 'json') {
    io.stdout(toJsonText(fdSnapshotJson({ ...listing, warnings }, entries)));
  } else {
    io.stdout(renderFdTable(entries));
    for (const warning of listing.warnings) io.stderr(warningLine(warning));
  }
  return 0;
}
