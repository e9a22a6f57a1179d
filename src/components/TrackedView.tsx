import React from 'react';
import { useMonitor } from '../store/use-monitor-store.js';
import { useTracked } from '../store/use-tracked-store.js';
import { DialogBox } from './dialog-lines.js';
import { trackedViewLines, trackFormLines } from './tracked-lines.js';

/** The tracked view (A): every registry entry, dead ones too, with untrack and signal. */
export function TrackedView(): React.JSX.Element {
  const statuses = useTracked((s) => s.statuses);
  const cursorId = useTracked((s) => s.cursorId);
  const problem = useTracked((s) => s.problem);
  const layout = useMonitor((s) => s.layout);
  const readOnly = useMonitor((s) => s.mode === 'watch');
  const height = Math.max(1, layout.lines - layout.statusLines);
  const lines = trackedViewLines({ statuses, cursorId, problem, form: null }, height, Date.now(), readOnly);
  return <DialogBox lines={lines} height={height} width={layout.columns} />;
}

/** The track form (a): name, tags and groups for the process under the cursor. */
export function TrackFormView(): React.JSX.Element | null {
  const form = useTracked((s) => s.form);
  const layout = useMonitor((s) => s.layout);
  const height = Math.max(1, layout.lines - layout.statusLines);
  if (!form) return null;
  return <DialogBox lines={trackFormLines(form, height)} height={height} width={layout.columns} />;
}
