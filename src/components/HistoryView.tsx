import React from 'react';
import { keysOf } from '../keys/bindings.js';
import type { HistoryState } from '../store/actions-store.js';
import { useActions } from '../store/use-actions-store.js';
import { useMonitor } from '../store/use-monitor-store.js';
import { historyLines } from './action-messages.js';
import { DialogBox, fitLines, type DialogLine } from './dialog-lines.js';
import { sanitizeText } from '../output/sanitize.js';

/** The history view's lines: title, newest actions first from the scroll position, keys. */
export function historyViewLines(history: HistoryState, height: number): DialogLine[] {
  const body: DialogLine[] = [{ text: 'Action history, newest first (audit log plus this session)', bold: true }];
  if (history.error) body.push({ text: history.error });
  const lines = historyLines(history.entries);
  if (history.loading) body.push({ text: 'loading…' });
  else if (lines.length === 0) body.push({ text: 'No actions recorded yet.' });
  const top = Math.min(history.scrollTop, Math.max(0, lines.length - 1));
  body.push(...lines.slice(top).map((text) => ({ text: sanitizeText(text) })));
  return fitLines(body, { text: `${keysOf('HISTORY_UP', '/')} ${keysOf('HISTORY_DOWN', '/')} PgUp PgDn: scroll   ${keysOf('HISTORY_CLOSE', '/')}: close`, bold: true }, height);
}

/** The action history (H): what proctop did, from the audit log and this session. Read-only. */
export function HistoryView(): React.JSX.Element {
  const history = useActions((s) => s.history);
  const layout = useMonitor((s) => s.layout);
  const height = Math.max(1, layout.lines - layout.statusLines);
  return <DialogBox lines={historyViewLines(history, height)} height={height} width={layout.columns} />;
}
