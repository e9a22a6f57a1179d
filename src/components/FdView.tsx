import React from 'react';
import { Box, Text } from 'ink';
import { useMonitor } from '../store/use-monitor-store.js';
import { useInspect } from '../store/use-inspect-store.js';
import { fdViewLines, type FdViewLine } from './fd-lines.js';

/** How each kind of line is drawn (with colour, and without). */
function LineText({ line, color }: { readonly line: FdViewLine; readonly color: boolean }): React.JSX.Element {
  const text = line.text || ' ';
  switch (line.kind) {
    case 'title':
      return <Text wrap="truncate" bold>{text}</Text>;
    case 'header':
      return (
        <Text wrap="truncate" inverse={!color} color={color ? 'black' : undefined} backgroundColor={color ? 'green' : undefined}>
          {text}
        </Text>
      );
    case 'tabs':
      return <Text wrap="truncate" color={color ? 'cyan' : undefined}>{text}</Text>;
    case 'notice':
      return <Text wrap="truncate" color={color ? 'yellow' : undefined} bold>{text}</Text>;
    default:
      return <Text wrap="truncate">{text}</Text>;
  }
}

/** Open files of the inspected process (o): kind tabs, search, and a scrolling fd table. */
export function FdView(): React.JSX.Element {
  const state = useInspect((s) => s);
  const layout = useMonitor((s) => s.layout);
  const color = useMonitor((s) => s.color);
  const lines = fdViewLines(state, layout);
  return (
    <Box flexDirection="column" height={Math.max(1, layout.lines - layout.statusLines)}>
      {lines.map((line, i) => (
        <LineText key={i} line={line} color={color} />
      ))}
    </Box>
  );
}
