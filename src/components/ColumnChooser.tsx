import React from 'react';
import { Box, Text } from 'ink';
import { KEY_BINDINGS, keysOf } from '../keys/bindings.js';
import { useMonitor } from '../store/use-monitor-store.js';
import { chooserLines } from './chooser-lines.js';

/** The column chooser (F2, like htop's Setup > Columns): every column with its on/off mark. */
export function ColumnChooser(): React.JSX.Element {
  const visibleColumns = useMonitor((s) => s.visibleColumns);
  const index = useMonitor((s) => s.chooserIndex);
  const layout = useMonitor((s) => s.layout);
  const hint = (['CHOOSER_UP', 'CHOOSER_DOWN', 'CHOOSER_TOGGLE', 'CHOOSER_DONE'] as const).map((c) => `${keysOf(c, '/')} ${KEY_BINDINGS[c].description}`).join('  ·  ');
  const lines = chooserLines(visibleColumns, index, layout.columns, Math.max(1, layout.lines - layout.statusLines), hint);
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate" bold={line.title} inverse={line.cursor}>
          {line.text || ' '}
        </Text>
      ))}
    </Box>
  );
}
