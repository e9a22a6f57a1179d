import React from 'react';
import { Box, Text } from 'ink';
import { cursorRow } from '../store/monitor-store.js';
import { useHasInspectStore, useInspect } from '../store/use-inspect-store.js';
import { useMonitor } from '../store/use-monitor-store.js';
import { detailLines } from './detail-lines.js';
import { shownRss, withExactRow } from '../sampler/exact-rss.js';

/**
 * Details of the inspected process (Enter): the identity captured when the view opened, so a
 * moving list never swaps the process under you; without an inspect store, the cursor's process.
 */
export function DetailView(): React.JSX.Element {
  const inspecting = useHasInspectStore();
  const cursor = useMonitor(cursorRow);
  const rowsByKey = useMonitor((s) => s.rowsByKey);
  const layout = useMonitor((s) => s.layout);
  const target = useInspect((s) => s.target);
  const lastRow = useInspect((s) => s.lastRow);
  const exited = useInspect((s) => s.exited);
  const listing = useInspect((s) => s.listing);
  const listingFailure = useInspect((s) => s.listingFailure);
  const cwd = useInspect((s) => s.cwd);
  const exe = useInspect((s) => s.exe);
  const history = useInspect((s) => s.history);
  const tracked = useMonitor((s) => s.tracked);
  const inspection = useInspect((s) => s.inspection);
  const deepRead = useInspect((s) => s.deepRead);
  const scroll = useInspect((s) => s.detailScroll);
  const exactRss = useMonitor((s) => s.exactRss);
  const height = Math.max(1, layout.lines - layout.statusLines);
  const own = inspecting && target !== null;
  const row = own ? lastRow : (cursor?.row ?? null);
  const lines = detailLines(
    {
      row: row && withExactRow(row, shownRss(row, exactRss.get(row.key))),
      exited: own ? exited : (cursor?.exited ?? false),
      rowsByKey,
      cwd: own ? cwd : null,
      exe: own ? exe : null,
      listing: own ? listing : undefined,
      listingFailure: own ? listingFailure : null,
      history,
      tracked: row ? (tracked.get(row.key) ?? null) : null,
      inspection: own ? inspection : null,
      deepRead,
      scroll,
    },
    layout.columns,
    height,
  );
  return (
    <Box flexDirection="column" height={height}>
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate" bold={line.title}>
          {line.text || ' '}
        </Text>
      ))}
    </Box>
  );
}
