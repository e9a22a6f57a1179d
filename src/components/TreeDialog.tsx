import React from 'react';
import { keysOf } from '../keys/bindings.js';
import type { TreeDialogState, TreeMemberLine } from '../store/actions-store.js';
import { useActions } from '../store/use-actions-store.js';
import { useMonitor } from '../store/use-monitor-store.js';
import { fateLabel } from './action-messages.js';
import { formatDuration } from '../util/duration.js';
import { DialogBox, fitLines, type DialogLine } from './dialog-lines.js';
import { fit } from '../output/format.js';
import { sanitizeText } from '../output/sanitize.js';

/** "     123 alice      root       exited       sleep 300  (why)". */
export function memberText(m: TreeMemberLine, width: number, withFate: boolean): string {
  const fate = withFate ? `${ fit(m.fate ? fateLabel(m.fate) : '', 12)} ` : '';
  const why = m.reason ?? (m.spared ? `spared: ${m.spared}` : null);
  const prefix = `${String(m.pid).padStart(8)} ${ fit(sanitizeText(m.user), 10)} ${ fit(m.relation, 10)} ${fate}`;
  return fit(`${prefix}${sanitizeText(m.command)}${why ? `  (${why})` : ''}`, width);
}

/** The tree dialog's lines for its phase: plan, live progress, fates. */
export function treeDialogLines(dialog: TreeDialogState, width: number, height: number): DialogLine[] {
  const root = `PID ${dialog.root.pid} (${sanitizeText(dialog.root.command)})`;
  const count = dialog.members.length;
  const close = `${keysOf('DIALOG_CONFIRM', '/')}/${keysOf('DIALOG_CANCEL', '/')}: close`;
  const scroll = count > 0 ? `   ${keysOf('DIALOG_PREVIOUS', '/')} ${keysOf('DIALOG_NEXT', '/')}: scroll` : '';
  let head: DialogLine[];
  let footer: string;
  switch (dialog.phase) {
    case 'planning':
      head = [{ text: `Terminate the tree of ${root}`, bold: true }, { text: dialog.progress }];
      footer = `${keysOf('DIALOG_CANCEL', '/')}: cancel`;
      break;
    case 'refused':
      head = [{ text: `Cannot terminate the tree of ${root}`, bold: true }, { text: dialog.refusal ?? '' }, { text: 'Nothing was sent.' }];
      footer = close;
      break;
    case 'confirm': {
      const spared = dialog.members.filter((m) => m.spared !== null).length;
      head = [
        { text: `Terminate the tree of ${root}: ${count} process${count === 1 ? '' : 'es'}${spared > 0 ? ` (${spared} spared)` : ''}?`, bold: true },
        { text: `Stops them all, sends TERM, waits up to ${formatDuration(dialog.windows.graceMs)}, then KILL to survivors (up to ${formatDuration(dialog.windows.killAfterMs)}).` },
      ];
      footer = `${keysOf('DIALOG_CONFIRM', '/')}: terminate   ${keysOf('DIALOG_CANCEL', '/')}: cancel${scroll}`;
      break;
    }
    case 'running':
      head = [{ text: `Terminating the tree of ${root}…`, bold: true }, { text: `> ${dialog.progress}`, inverse: true }];
      footer = `${keysOf('DIALOG_CANCEL', '/')}: close (it goes on in the background)${scroll}`;
      break;
    case 'done':
      head = [{ text: `Tree of ${root}: done`, bold: true }, { text: dialog.progress, inverse: true }];
      footer = `${close}${scroll}`;
      break;
  }
  const withFate = dialog.phase === 'done';
  const columns: DialogLine[] = count > 0 ? [{ text: `${'PID'.padStart(8)} ${'USER'.padEnd(10)} ${'RELATION'.padEnd(10)} ${withFate ? `${'FATE'.padEnd(12)} ` : ''}COMMAND` }] : [];
  const members = dialog.members.slice(dialog.scrollTop).map((m) => ({ text: memberText(m, width, withFate) }));
  return fitLines([...head, ...columns, ...members], { text: footer, bold: true }, height);
}

/** The tree dialog (T): the tree under the cursor, then the live escalation, then every member's fate. */
export function TreeDialog(): React.JSX.Element | null {
  const dialog = useActions((s) => s.dialog);
  const layout = useMonitor((s) => s.layout);
  if (dialog?.kind !== 'tree') return null;
  const height = Math.max(1, layout.lines - layout.statusLines);
  return <DialogBox lines={treeDialogLines(dialog, layout.columns, height)} height={height} width={layout.columns} />;
}
