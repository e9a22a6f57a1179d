import React from 'react';
import { Box, Text } from 'ink';
import { useMonitor } from '../store/use-monitor-store.js';
import { rowLine, screenColumns, titleLine, type TableColumn } from './table-columns.js';
import { fit } from '../output/format.js';
import { shownRss, type ExactRss } from '../sampler/exact-rss.js';
import type { IdentityKey } from '../sampler/types.js';
import type { DisplayRow } from '../store/process-list.js';
import { isOneColumnText } from '../ink-patches/text-width.js';

/** What one screen line of the table shows, and how it is styled. */
export interface BodyLine {
  readonly text: string;
  readonly isCursor: boolean;
  readonly marked: boolean;
  readonly exited: boolean;
}

/** The style props of a line's Text (undefined: drawn plain). Shared by both ways of drawing the body. */
function lineStyle({ isCursor, marked, exited }: BodyLine, color: boolean): LineStyle | undefined {
  if (!isCursor && !exited && !(marked && color)) return undefined;
  return {
    inverse: isCursor && !color,
    backgroundColor: isCursor && color ? 'cyan' : undefined,
    color: color ? (isCursor ? 'black' : marked ? 'yellow' : undefined) : undefined,
    dimColor: exited && !isCursor,
  };
}

interface LineStyle {
  readonly inverse: boolean;
  readonly backgroundColor: 'cyan' | undefined;
  readonly color: 'black' | 'yellow' | undefined;
  readonly dimColor: boolean;
}

/** One table row as its own Text (the body's fallback for lines that are not one-column text). */
const Row = React.memo(function Row({ line, color }: { readonly line: BodyLine; readonly color: boolean }): React.JSX.Element {
  return (
    <Text wrap="truncate" {...lineStyle(line, color)}>
      {line.text}
    </Text>
  );
});

/**
 * The rows on screen as ONE Text: plain lines run together as one string, styled lines (cursor,
 * marked, exited) as nested Texts. One yoga node and a handful of React elements per refresh
 * instead of a node, a layout and a reconciled element per line: Ink's render was a large part of
 * a refresh, and the part V8 compiles most in a pane's first minute. Ink draws nested Texts with
 * the same escape codes as Texts of their own (test/components-body.test.tsx compares the two).
 * A line only fits by length (fit), so a line with wide characters or emoji could be wider than
 * the screen: such a screen is drawn a Text per line, which Ink truncates line by line.
 */
export function TableBody({ lines, color }: { readonly lines: readonly BodyLine[]; readonly color: boolean }): React.JSX.Element {
  if (!lines.every((line) => isOneColumnText(line.text))) {
    // Keyed by screen line, not identity: a process entering or leaving the view (a refresh re-sorts
    // the list) then updates a line's text instead of creating and destroying a node and its layout.
    return <>{lines.map((line, screenLine) => <Row key={screenLine} line={line} color={color} />)}</>;
  }
  const parts: React.ReactNode[] = [];
  let plain = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as BodyLine;
    const newline = i < lines.length - 1 ? '\n' : '';
    const style = lineStyle(line, color);
    if (style === undefined) {
      plain += line.text + newline;
      continue;
    }
    if (plain !== '') parts.push(plain);
    plain = newline;
    parts.push(
      <Text key={i} {...style}>
        {line.text}
      </Text>,
    );
  }
  if (plain !== '') parts.push(plain);
  return <Text>{parts}</Text>;
}

/**
 * The process table: our own component (ink-table is CommonJS and cannot load under Ink 6).
 * Only the rows inside the viewport are turned into elements, so 10,000 processes cost the
 * same to draw as 30.
 */
export function ProcessTable(): React.JSX.Element {
  const display = useMonitor((s) => s.display);
  const scrollTop = useMonitor((s) => s.scrollTop);
  const cursorKey = useMonitor((s) => s.cursorKey);
  const selection = useMonitor((s) => s.selection);
  const layout = useMonitor((s) => s.layout);
  const sortColumn = useMonitor((s) => s.sortColumn);
  const descending = useMonitor((s) => s.descending);
  const color = useMonitor((s) => s.color);
  const hasFrame = useMonitor((s) => s.frame !== null);
  const tracked = useMonitor((s) => s.tracked);
  const exactRss = useMonitor((s) => s.exactRss);
  const visibleColumns = useMonitor((s) => s.visibleColumns);
  const width = layout.columns;
  const visible = display.slice(scrollTop, scrollTop + layout.tableRows);
  // TRACK appears only while a tracked process is on screen: no cost and no column otherwise.
  const columns = screenColumns(width, visibleColumns, visible, tracked);
  return (
    <Box flexDirection="column" height={layout.tableRows + 1}>
      <Text wrap="truncate" inverse={!color} color={color ? 'black' : undefined} backgroundColor={color ? 'green' : undefined}>
        {fit(titleLine(columns, sortColumn, descending), width)}
      </Text>
      {visible.length === 0 && layout.tableRows > 0 ? (
        <Text wrap="truncate" dimColor>
          {hasFrame ? ' no processes match' : ' sampling…'}
        </Text>
      ) : null}
      <TableBody lines={bodyLines(visible, columns, width, cursorKey, selection, exactRss)} color={color} />
    </Box>
  );
}

/** The text and state of each row on screen. */
function bodyLines(
  visible: readonly DisplayRow[],
  columns: readonly TableColumn[],
  width: number,
  cursorKey: IdentityKey | null,
  selection: ReadonlySet<IdentityKey>,
  exactRss: ReadonlyMap<IdentityKey, ExactRss>,
): BodyLine[] {
  return visible.map((d) => {
    const isCursor = d.key === cursorKey;
    const marked = selection.has(d.key);
    // Only the cursor row needs its trailing blanks (full-width highlight); Ink's cost grows with every character.
    const line = fit(rowLine(columns, d, marked, isCursor, shownRss(d.row, exactRss.get(d.key))), width);
    return { text: isCursor ? line : line.trimEnd(), isCursor, marked, exited: d.exited };
  });
}
