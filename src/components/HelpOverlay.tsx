import React from 'react';
import { Box, Text } from 'ink';
import { helpSections } from '../keys/bindings.js';
import { useMonitor } from '../store/use-monitor-store.js';
import { fit } from '../output/format.js';
import { sanitizeText } from '../output/sanitize.js';

const NO_WARNINGS: readonly string[] = [];

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

/**
 * What the last refresh warned of, a line each under a title of their own (none: no lines). Their
 * text can carry other users' process names and paths: sanitized.
 */
export function warningLines(warnings: readonly string[], width: number): string[] {
  if (warnings.length === 0) return [];
  return ['Warnings of the last refresh:', ...warnings.map((warning) => fit(`  ${sanitizeText(warning)}`, width))];
}

/** A group title line ("Navigate:"), as opposed to a key line (indented). */
const isGroupTitle = (line: string): boolean => !line.startsWith(' ');

/**
 * The overlay's rows at this size. The title keeps its own line, and `head` (the warnings) the
 * lines under it at full width; on a wide screen the groups are
 * split into two columns at the group boundary nearest the middle, so every key line sits under
 * its own group's title (never beside the overlay's title); what does not fit ends in "…".
 */
export function helpRows(text: readonly string[], columns: number, height: number, head: readonly string[] = []): string[] {
  const [title = '', ...body] = text;
  let rows: string[] = [title, ...head, ...body];
  if (columns >= 100 && rows.length > height) {
    const colWidth = Math.floor(columns / 2) - 1;
    let split = body.length;
    for (let i = 1; i < body.length; i++) {
      if (isGroupTitle(body[i] ?? '') && Math.max(i, body.length - i) < Math.max(split, body.length - split)) split = i;
    }
    const left = body.slice(0, split);
    const right = body.slice(split);
    rows = [title, ...head];
    for (let i = 0; i < Math.max(left.length, right.length); i++) rows.push(`${fit(left[i] ?? '', colWidth)}  ${right[i] ?? ''}`.trimEnd());
  }
  return rows.length > height ? [...rows.slice(0, Math.max(0, height - 1)), '… (enlarge the terminal to see all keys)'] : rows;
}

/** Help overlay (?/F1): fills the table's place; two columns when the screen is wide enough. */
export function HelpOverlay(): React.JSX.Element {
  const layout = useMonitor((s) => s.layout);
  const watch = useMonitor((s) => s.mode === 'watch');
  const warnings = useMonitor((s) => s.frame?.warnings ?? NO_WARNINGS);
  const height = Math.max(1, layout.lines - layout.statusLines);
  const colWidth = layout.columns >= 100 ? Math.floor(layout.columns / 2) - 1 : layout.columns;
  const shown = helpRows(helpText(watch, colWidth), layout.columns, height, warningLines(warnings, layout.columns));
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
