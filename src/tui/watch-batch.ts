// `proctop --watch` into a pipe or file: a plain-text table every interval, like `top -b`.
import { renderTextTable, type TextColumn } from '../output/text-table.js';
import type { FrameSource, SampledFrame } from '../sampler/types.js';
import { commandText } from '../store/columns.js';
import { defaultDescending } from '../store/columns.js';
import { displayRows, type DisplayRow } from '../store/process-list.js';
import { freshWarnings } from '../store/warnings.js';
import { warningLine } from '../output/sanitize.js';
import { formatBytes, formatCpuTime, formatPercent, formatUptime } from '../output/format.js';
import type { MonitorOptions } from './monitor-options.js';

const COLUMNS: readonly TextColumn<DisplayRow>[] = [
  { title: 'PID', cell: (d) => String(d.row.pid), align: 'right' },
  { title: 'USER', cell: (d) => d.row.user, maxWidth: 12 },
  { title: 'PRI', cell: (d) => String(d.row.priority), align: 'right' },
  { title: 'NI', cell: (d) => String(d.row.nice), align: 'right' },
  { title: 'S', cell: (d) => d.row.state },
  { title: 'CPU%', cell: (d) => formatPercent(d.row.cpuPercent), align: 'right' },
  { title: 'MEM%', cell: (d) => formatPercent(d.row.memPercent), align: 'right' },
  { title: 'RSS', cell: (d) => formatBytes(d.row.rssBytes), align: 'right' },
  { title: 'THR', cell: (d) => String(d.row.threads), align: 'right' },
  { title: 'TIME+', cell: (d) => formatCpuTime(d.row.cpuTimeSeconds), align: 'right' },
  { title: 'COMMAND', cell: (d) => `${d.treePrefix}${commandText(d.row)}`, maxWidth: 200 },
];

/** One refresh as text: a summary block, then the table of every shown process. */
export function renderWatchText(frame: SampledFrame, options: MonitorOptions, backend: string): string {
  const sys = frame.system;
  const memUsed = sys.memTotalBytes - sys.memAvailableBytes;
  const swapUsed = sys.swapTotalBytes - sys.swapFreeBytes;
  const t = frame.tasks;
  const summary = [
    `proctop --watch  ${new Date(frame.timestampMs).toISOString()}  interval ${options.intervalMs / 1000}s  backend ${backend}`,
    `CPU ${formatPercent(frame.cpuPercentTotal)}%  Mem ${formatBytes(memUsed)}/${formatBytes(sys.memTotalBytes)}  Swap ${formatBytes(swapUsed)}/${formatBytes(sys.swapTotalBytes)}  Load ${sys.loadAvg.map((v) => v.toFixed(2)).join(' ')}  Up ${formatUptime(sys.uptimeSeconds)}`,
    `Tasks ${t.total} total, ${t.sleeping} sleeping, ${t.stopped} stopped, ${t.zombie} zombie; threads ${t.threads}, ${t.runningThreads} running`,
  ];
  const rows = displayRows(frame.rows, {
    sortColumn: options.sortColumn,
    descending: defaultDescending(options.sortColumn),
    filter: options.filter,
    user: options.user,
    hideKernelThreads: false,
    tree: options.tree,
  });
  return `${summary.join('\n')}\n\n${renderTextTable(COLUMNS, rows)}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Prints a table every interval until `iterations` refreshes (or forever). The first table
 * waits for a quick second sample so CPU% is real, not zero. A warning of a kind the refresh before
 * did not give (freshWarnings: a count that moved is not news) goes to `warn` as one line,
 * `proctop: warning: TEXT`, sanitized, as the subcommands print theirs.
 */
export async function runWatchBatch(
  source: FrameSource,
  options: MonitorOptions,
  backend: string,
  write: (text: string) => boolean | void,
  warn: (text: string) => boolean | void = () => undefined,
): Promise<number> {
  await source.sample();
  await sleep(Math.min(250, options.intervalMs));
  let warnings: readonly string[] = [];
  for (let i = 0; options.iterations === null || i < options.iterations; i++) {
    if (i > 0) await sleep(options.intervalMs);
    const frame = await source.sample();
    for (const warning of freshWarnings(warnings, frame.warnings)) warn(warningLine(warning));
    warnings = frame.warnings;
    write(`${i > 0 ? '\n' : ''}${renderWatchText(frame, options, backend)}`);
  }
  return 0;
}
