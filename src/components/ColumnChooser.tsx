import React from 'react';
import { Box, Text } from 'ink';
import { CHOOSER_BINDINGS } from '../keys/chooser-keys.js';
import { keyLabel } from '../keys/bindings.js';
import { useMonitor } from '../store/use-monitor-store.js';
import { chooserLines } from './chooser-lines.js';

/** The column chooser (F2, like htop's Setup > Columns): every column with its on/off mark. */
export function ColumnChooser(): React.JSX.Element {
  const visibleColumns = useMonitor((s) => s.visibleColumns);
  const index = useMonitor((s) => s.chooserIndex);
  const layout = useMonitor((s) => s.layout);
  const hint = (Object.values(CHOOSER_BINDINGS) as { bindings: readonly { key: string; ctrl?: boolean }[]; description: string }[])
    .filter((info) => info.description !== 'first column' && info.description !== 'quit proctop')
    .map((info) => `${info.bindings.map(keyLabel).join('/')} ${info.description}`)
    .join('  ·  ');
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
