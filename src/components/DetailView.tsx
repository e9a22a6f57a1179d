import React from 'react';
import { Box, Text } from 'ink';
import { commandText } from '../store/columns.js';
import { cursorRow } from '../store/monitor-store.js';
import { useMonitor } from '../store/use-monitor-store.js';
import { fit, formatBytes, formatCpuTime, formatPercent, sanitize } from './format.js';

/** Details of the process under the cursor (Enter). A placeholder until the open-files view lands. */
export function DetailView(): React.JSX.Element {
  const d = useMonitor(cursorRow);
  const layout = useMonitor((s) => s.layout);
  const height = Math.max(1, layout.lines - layout.statusLines);
  const width = layout.columns;
  const lines: string[] = [];
  if (!d) {
    lines.push('No process under the cursor.');
  } else {
    const r = d.row;
    lines.push(`Process ${r.pid} (${sanitize(r.comm)})${d.exited ? '  — exited' : ''}`);
    lines.push(`  identity    pid ${r.pid}, start ${r.startTime} ticks (${new Date(r.startTimeMs).toISOString()})`);
    lines.push(`  parent      ${r.ppid}   group ${r.pgid}   session ${r.sid}`);
    lines.push(`  user        ${sanitize(r.user)} (uid ${r.uid})`);
    lines.push(`  state       ${r.state}${r.isKernelThread ? '  kernel thread' : ''}   nice ${r.nice}   priority ${r.priority}`);
    lines.push(`  cpu         ${formatPercent(r.cpuPercent)}% now, ${formatPercent(r.cpuPercentLifetime)}% lifetime, time ${formatCpuTime(r.cpuTimeSeconds)}`);
    lines.push(`  memory      RSS ${formatBytes(r.rssBytes)} (${formatPercent(r.memPercent)}%), virtual ${formatBytes(r.vsizeBytes)}, ${r.threads} threads`);
    lines.push(`  exe         ${r.exe === null ? '(no access)' : sanitize(r.exe)}`);
    lines.push(`  command     ${sanitize(commandText(r))}`);
    lines.push('');
    lines.push('  Open files: press o (the open-files view is not available yet).');
  }
  return (
    <Box flexDirection="column" height={height}>
      {lines.slice(0, height).map((l, i) => (
        <Text key={i} wrap="truncate" bold={i === 0}>
          {fit(l, width) || ' '}
        </Text>
      ))}
    </Box>
  );
}
