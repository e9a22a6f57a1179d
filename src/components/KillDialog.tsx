import React from 'react';
import { dialogKeys } from '../keys/dialog-bindings.js';
import { PICKER_SIGNALS, type DialogTarget, type KillDialogState } from '../store/actions-store.js';
import { useActions } from '../store/use-actions-store.js';
import { useMonitor } from '../store/use-monitor-store.js';
import { DialogBox, fitLines, type DialogLine } from './dialog-lines.js';
import { fit } from './format.js';
import { sanitizeText } from '../output/sanitize.js';

/** "    1234 alice      sleep 300": PID, user and command of one target. */
export function targetLine(t: Pick<DialogTarget, 'pid' | 'user' | 'command' | 'refusal'>, width: number): string {
  const command = t.refusal ? `[not signalled: ${t.refusal}] ${t.command}` : t.command;
  return `${String(t.pid).padStart(8)} ${ fit(sanitizeText(t.user), 10)} ${ fit(sanitizeText(command), Math.max(1, width - 20))}`;
}

/** Lines the full signal picker needs; below that room the picker folds into one line. */
const FULL_PICKER_MIN_TARGETS = 3;

/** The kill dialog's lines at a given size: targets, signal picker, keys. */
export function killDialogLines(dialog: KillDialogState, width: number, height: number): DialogLine[] {
  const picked = PICKER_SIGNALS[dialog.signalIndex] ?? PICKER_SIGNALS[0]!;
  const count = dialog.targets.length;
  const only = dialog.targets[0];
  const title = count === 1 && only ? `Send a signal to PID ${only.pid}` : `Send a signal to ${count} processes`;
  const footer: DialogLine = {
    text: dialog.sending
      ? `sending SIG${picked.name}…`
      : `${dialogKeys('CONFIRM')}: send SIG${picked.name}   ${dialogKeys('CANCEL')}: cancel   ${dialogKeys('PREVIOUS')} ${dialogKeys('NEXT')}: signal`,
    bold: true,
  };
  const fixed = 4; // title, column titles, "Signal:", footer
  const fullPicker = height >= fixed + PICKER_SIGNALS.length + Math.min(count, FULL_PICKER_MIN_TARGETS);
  const picker: DialogLine[] = fullPicker
    ? PICKER_SIGNALS.map((s, i) => ({ text: `  ${i === dialog.signalIndex ? '>' : ' '} ${s.name.padEnd(5)} ${s.description}`, inverse: i === dialog.signalIndex }))
    : [{ text: `  < ${picked.name} >  ${picked.description}  (${dialog.signalIndex + 1}/${PICKER_SIGNALS.length})`, inverse: true }];
  const room = Math.max(1, height - fixed - picker.length);
  const shown = count <= room ? dialog.targets : dialog.targets.slice(0, room - 1);
  const targets: DialogLine[] = shown.map((t) => ({ text: targetLine(t, width) }));
  if (shown.length < count) targets.push({ text: `     … and ${count - shown.length} more (all ${count} get the signal)` });
  const body: DialogLine[] = [
    { text: `${title} (captured when this dialog opened)`, bold: true },
    { text: `${'PID'.padStart(8)} ${'USER'.padEnd(10)} COMMAND` },
    ...targets,
    { text: 'Signal:' },
    ...picker,
  ];
  return fitLines(body, footer, height);
}

/** The kill dialog (F9/x): every target, a signal picker, confirm or cancel. */
export function KillDialog(): React.JSX.Element | null {
  const dialog = useActions((s) => s.dialog);
  const layout = useMonitor((s) => s.layout);
  if (dialog?.kind !== 'kill') return null;
  const height = Math.max(1, layout.lines - layout.statusLines);
  return <DialogBox lines={killDialogLines(dialog, layout.columns, height)} height={height} width={layout.columns} />;
}
