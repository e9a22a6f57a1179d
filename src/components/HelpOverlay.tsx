import React from 'react';
import { Box, Text } from 'ink';
import { helpLines } from '../keys/bindings.js';
import { inspectHelpSections } from '../keys/inspect-bindings.js';
import { useMonitor } from '../store/use-monitor-store.js';
import { fit } from './format.js';

/** The help text lines, generated from the key table (so help never drifts from the keys). */
export function helpText(watch: boolean, width: number): string[] {
  const lines: string[] = [watch ? 'proctop --watch: read-only — keys marked (ro) only answer "read-only"' : 'proctop keys'];
  let group = '';
  for (const line of helpLines()) {
    if (line.group !== group) {
      group = line.group;
      lines.push(`${group}:`);
    }
    const note = watch && line.mutating ? ' (ro)' : '';
    lines.push(fit(`  ${line.keys.padEnd(16)} ${line.description}${note}`, width));
  }
  for (const section of inspectHelpSections()) {
    lines.push(`${section.title}:`);
    for (const line of section.lines) lines.push(fit(`  ${line.keys.padEnd(16)} ${line.description}`, width));
  }
  return lines;
}

/** Help overlay (?/F1): fills the table's place; two columns when the screen is wide enough. */
export function HelpOverlay(): React.JSX.Element {
  const layout = useMonitor((s) => s.layout);
  const watch = useMonitor((s) => s.mode === 'watch');
  const height = Math.max(1, layout.lines - layout.statusLines);
  const twoColumns = layout.columns >= 100;
  const colWidth = twoColumns ? Math.floor(layout.columns / 2) - 1 : layout.columns;
  const text = helpText(watch, colWidth);
  let rows: string[];
  if (twoColumns && text.length > height) {
    const half = Math.ceil(text.length / 2);
    rows = text.slice(0, half).map((l, i) => `${fit(l, colWidth)}  ${text[half + i] ?? ''}`);
  } else {
    rows = text;
  }
  const shown = rows.length > height ? [...rows.slice(0, height - 1), '… (enlarge the terminal to see all keys)'] : rows;
  return (
    <Box flexDirection="column" height={height}>
      {shown.map((l, i) => (
        <Text key={i} wrap="truncate" bold={i === 0}>
          {l || ' '}
        </Text>
      ))}
    </Box>
  );
}
