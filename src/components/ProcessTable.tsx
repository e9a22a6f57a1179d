import React from 'react';
import { Box, Text } from 'ink';
import { useMonitor } from '../store/use-monitor-store.js';
import { rowLine, screenColumns, titleLine } from './table-columns.js';
import { fit } from '../output/format.js';
import { shownRss } from '../sampler/exact-rss.js';

interface RowProps {
  readonly text: string;
  readonly isCursor: boolean;
  readonly marked: boolean;
  readonly exited: boolean;
  readonly color: boolean;
}

/** One table row; memoized so a row whose text and state did not change costs React and Yoga nothing. */
const Row = React.memo(function Row({ text, isCursor, marked, exited, color }: RowProps): React.JSX.Element {
  return (
    <Text
      wrap="truncate"
      inverse={isCursor && !color}
      backgroundColor={isCursor && color ? 'cyan' : undefined}
      color={color ? (isCursor ? 'black' : marked ? 'yellow' : undefined) : undefined}
      dimColor={exited && !isCursor}
    >
      {text}
    </Text>
  );
});

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
      {visible.map((d, screenLine) => {
        const isCursor = d.key === cursorKey;
        const marked = selection.has(d.key);
        // Only the cursor row needs its trailing blanks (full-width highlight); Ink's cost grows with every character.
        const line = fit(rowLine(columns, d, marked, isCursor, shownRss(d.row, exactRss.get(d.key))), width);
        const text = isCursor ? line : line.trimEnd();
        // Keyed by screen line, not identity: a process entering or leaving the view (a refresh re-sorts
        // the list) then updates a line's text instead of creating and destroying a node and its layout.
        return <Row key={screenLine} text={text} isCursor={isCursor} marked={marked} exited={d.exited} color={color} />;
      })}
    </Box>
  );
}
