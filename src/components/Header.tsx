import React from 'react';
import { Box, Text } from 'ink';
import { useMonitor } from '../store/use-monitor-store.js';
import { headerLines, type HeaderLine } from './header-lines.js';

const BAR_COLOR: Readonly<Record<HeaderLine['kind'], string>> = { cpu: 'green', mem: 'cyan', swap: 'red', info: 'white' };

/** One header line; with colour, the meter bars ("|||") take the meter's colour. */
function Line({ line, color }: { readonly line: HeaderLine; readonly color: boolean }): React.JSX.Element {
  if (!color || line.kind === 'info') return <Text wrap="truncate">{line.text || ' '}</Text>;
  const parts = line.text.split(/(\|+)/);
  return (
    <Text wrap="truncate">
      {parts.map((part, i) =>
        part.startsWith('|') ? (
          <Text key={i} color={BAR_COLOR[line.kind]}>
            {part}
          </Text>
        ) : (
          part
        ),
      )}
    </Text>
  );
}

/** Meters and system figures above the table (folds with the layout). */
export function Header(): React.JSX.Element | null {
  const frame = useMonitor((s) => s.frame);
  const history = useMonitor((s) => s.cpuHistory);
  const layout = useMonitor((s) => s.layout);
  const color = useMonitor((s) => s.color);
  const lines = headerLines(frame, history, layout);
  if (lines.length === 0) return null;
  return (
    <Box flexDirection="column" height={layout.headerLines}>
      {lines.map((line, i) => (
        <Line key={i} line={line} color={color} />
      ))}
    </Box>
  );
}
