import React from 'react';
import { Box, Text } from 'ink';
import { helpSections } from '../keys/bindings.js';
import { useMonitor } from '../store/use-monitor-store.js';
import { fit } from '../output/format.js';

/** The help text lines, generated from the key table for every context (so help never drifts from the keys). */
export function helpText(watch: boolean, width: number): string[] {
  const lines: string[] = [watch ? 'proctop --watch: read-only — keys marked (ro) only answer "read-only"' : 'proctop keys'];
  for (const section of helpSections()) {
    lines.push(`${section.title}:`);
    for (const line of section.lines) {
      const note = watch && line.mutating ? ' (ro)' : '';
      lines.push(fit(`  ${line.keys.padEnd(16)} ${line.description}${note}`, width));
    }
  }
  return lines;
}

/** A group title line ("Navigate:"), as opposed to a key line (indented). */
const isGroupTitle = (line: string): boolean => !line.startsWith(' ');

/**
 * The overlay's rows at this size. The title keeps its own line; on a wide screen the groups are
 * split into two columns at the group boundary nearest the middle, so every key line sits under
 * its own group's title (never beside the overlay's title); what does not fit ends in "…".
 */
export function helpRows(text: readonly string[], columns: number, height: number): string[] {
  const [title = '', ...body] = text;
  let rows: string[] = [title, ...body];
  if (columns >= 100 && rows.length > height) {
    const colWidth = Math.floor(columns / 2) - 1;
    let split = body.length;
    for (let i = 1; i < body.length; i++) {
      if (isGroupTitle(body[i] ?? '') && Math.max(i, body.length - i) < Math.max(split, body.length - split)) split = i;
    }
    const left = body.slice(0, split);
    const right = body.slice(split);
    rows = [title];
    for (let i = 0; i < Math.max(left.length, right.length); i++) rows.push(`${fit(left[i] ?? '', colWidth)}  ${right[i] ?? ''}`.trimEnd());
  }
  return rows.length > height ? [...rows.slice(0, Math.max(0, height - 1)), '… (enlarge the terminal to see all keys)'] : rows;
}

/** Help overlay (?/F1): fills the table's place; two columns when the screen is wide enough. */
export function HelpOverlay(): React.JSX.Element {
  const layout = useMonitor((s) => s.layout);
  const watch = useMonitor((s) => s.mode === 'watch');
  const height = Math.max(1, layout.lines - layout.statusLines);
  const colWidth = layout.columns >= 100 ? Math.floor(layout.columns / 2) - 1 : layout.columns;
  const shown = helpRows(helpText(watch, colWidth), layout.columns, height);
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
