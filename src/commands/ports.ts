import { parseArgs } from 'node:util';
import { platformName, schemaId, toJsonText } from '../output/json-envelope.js';
import { renderTextTable, type TextColumn } from '../output/text-table.js';
import { formatEndpoint } from '../fds/describe-fd.js';
import { listPorts, type PortBinding, type PortListing } from '../fds/ports.js';
import { createCollector, type CollectorChoice } from '../sys/collector.js';
import { optionError } from './option-errors.js';
import { UsageError } from '../output/usage-error.js';
import { writeStderr, writeStdout } from '../output/std-streams.js';

export const PORTS_USAGE = `Usage: proctop ports [--all] [--json|--table]

Which process listens on which port: listening TCP and bound UDP sockets of every network
namespace proctop can see, each with the process(es) holding it. Sockets whose owner is not
visible (another user's process when not root) are listed without a pid.

  --all          every TCP/UDP socket (connections too), not only listening/bound ones
  --json         JSON (default when stdout is not a terminal)
  --table        aligned text table (default on a terminal)
  --help         this text

Exit codes: 0 ok, 2 invalid input.
`;

/** Where ports reads from and writes to; tests inject a collector and capture output. */
export interface PortsIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdoutIsTty: boolean;
  readonly collector: () => CollectorChoice;
}

const defaultIo = (): PortsIo => ({
  stdout: writeStdout,
  stderr: writeStderr,
  stdoutIsTty: process.stdout.isTTY === true,
  collector: () => createCollector(),
});

/** JSON record of one binding: the peer port-bindings fields plus proctop's own. */
export interface PortBindingJson {
  readonly protocol: 'tcp' | 'udp';
  readonly family: 'ipv4' | 'ipv6';
  readonly local_addr: string;
  readonly local_port: number;
  readonly remote_addr: string;
  readonly remote_port: number;
  readonly state: string;
  readonly netns: string | null;
  readonly pid: number | null;
  readonly start_time_ticks: number | null;
  readonly process_name: string | null;
  readonly comm: string | null;
  readonly user: string | null;
  readonly inode: number;
  readonly fds: readonly number[];
}

/** Builds the ports document (peer port-bindings shape, extended). */
export function portBindingsJson(listing: PortListing, now = new Date()) {
  return {
    schema_id: schemaId('ports'),
    timestamp: now.toISOString(),
    platform: platformName(),
    bindings: listing.bindings.map(
      (b): PortBindingJson => ({
        protocol: b.protocol,
        family: b.family,
        local_addr: b.localAddress,
        local_port: b.localPort,
        remote_addr: b.remoteAddress,
        remote_port: b.remotePort,
        state: b.state,
        netns: b.netns,
        pid: b.pid,
        start_time_ticks: b.startTime,
        process_name: b.processName,
        comm: b.comm,
        user: b.user,
        inode: b.inode,
        fds: b.fds,
      }),
    ),
    warnings: [...listing.warnings],
  };
}

const PORT_COLUMNS: readonly TextColumn<PortBinding>[] = [
  { title: 'PROTO', cell: (b) => (b.family === 'ipv6' ? `${b.protocol}6` : b.protocol) },
  { title: 'LOCAL', cell: (b) => formatEndpoint(b.localAddress, b.localPort) },
  { title: 'STATE', cell: (b) => b.state },
  { title: 'PID', cell: (b) => (b.pid === null ? '-' : String(b.pid)), align: 'right' },
  { title: 'USER', cell: (b) => b.user ?? '-' },
  { title: 'PROCESS', cell: (b) => b.processName ?? '-' },
];

/** With --all (connections too): where each one goes, and in which network namespace. */
const CONNECTION_COLUMNS: readonly TextColumn<PortBinding>[] = [
  ...PORT_COLUMNS.slice(0, 2),
  { title: 'REMOTE', cell: (b) => (b.remotePort === 0 ? '*' : formatEndpoint(b.remoteAddress, b.remotePort)) },
  ...PORT_COLUMNS.slice(2),
  { title: 'NETNS', cell: (b) => b.netns ?? '-' },
];

/** Renders bindings as the --table text (--all adds REMOTE and NETNS). */
export function renderPortTable(bindings: readonly PortBinding[], all = false): string {
  return renderTextTable(all ? CONNECTION_COLUMNS : PORT_COLUMNS, bindings);
}

export async function main(argv: readonly string[], io: PortsIo = defaultIo()): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { all: { type: 'boolean' }, json: { type: 'boolean' }, table: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    throw optionError(err, 'ports', argv, 'ports takes only options');
  }
  if (values.help) {
    io.stdout(PORTS_USAGE);
    return 0;
  }
  if (values.json && values.table) throw new UsageError('--json and --table cannot be used together');
  const choice = io.collector();
  if (choice.notice) io.stderr(`proctop: ${choice.notice}\n`);
  const listing = await listPorts(choice.collector, { all: values.all === true });
  const format = values.json ? 'json' : values.table ? 'table' : io.stdoutIsTty ? 'table' : 'json';
  if (format === 'json') {
    const warnings = choice.notice ? [choice.notice, ...listing.warnings] : listing.warnings;
    io.stdout(toJsonText(portBindingsJson({ ...listing, warnings })));
  } else {
    io.stdout(renderPortTable(listing.bindings, values.all === true));
    for (const warning of listing.warnings) io.stderr(`proctop: warning: ${warning}\n`);
  }
  return 0;
}
