import React, { useEffect, useState } from 'react';
import { Text } from 'ink';
import { useMonitor } from '../store/use-monitor-store.js';
import { statusLine } from './status-line.js';

/** Bottom line: prompt, transient message or key hints, then backend/interval/filter/selection. */
export function StatusBar(): React.JSX.Element {
  const state = useMonitor((s) => s);
  const [now, setNow] = useState(() => Date.now());
  const untilMs = state.message?.untilMs ?? 0;
  // Redraw once when the message expires, even if no frame arrives (paused, slow interval).
  useEffect(() => {
    const wait = untilMs - Date.now();
    if (wait <= 0) return undefined;
    const timer = setTimeout(() => setNow(Date.now()), wait + 10);
    return () => clearTimeout(timer);
  }, [untilMs]);
  const line = statusLine(state, Math.max(now, Date.now()));
  const color = state.color;
  return (
    <Text
      wrap="truncate"
      inverse={!color && line.kind !== 'hints'}
      color={color ? (line.kind === 'message' ? 'black' : line.kind === 'input' ? 'yellow' : 'cyan') : undefined}
      backgroundColor={color && line.kind === 'message' ? 'yellow' : undefined}
    >
      {line.text}
    </Text>
  );
}
