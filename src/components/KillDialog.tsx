import React from 'react';
import { keysOf } from '../keys/bindings.js';
import { LADDER_CHOICE, PICKER_SIGNALS, type DialogTarget, type KillDialogState } from '../store/actions-store.js';
import { useActions } from '../store/use-actions-store.js';
import { useMonitor } from '../store/use-monitor-store.js';
import { DialogBox, fitLines, type DialogLine } from './dialog-lines.js';
import { fit } from '../output/format.js';
import { sanitizeText } from '../output/sanitize.js';

/** "    1234 alice      sleep 300": PID, user and command of one target. */
export function targetLine(t: Pick<DialogTarget, 'pid' | 'user' | 'command' | 'refusal'>, width: number): string {
  const command = t.refusal ? `[not signalled: ${t.refusal}] ${t.command}` : t.command;
  return `${String(t.pid).padStart(8)} ${ fit(sanitizeText(t.user), 10)} ${ fit(sanitizeText(command), Math.max(1, width - 20))}`;
}

/** Lines the full signal picker needs; below that room the picker folds into one line. */
const FULL_PICKER_MIN_TARGETS = 3;

/** The picker's entry for "stop (ladder)". */
function ladderEntry(dialog: KillDialogState): { name: string; description: string } {
  return { name: 'stop', description: `(ladder) ${dialog.ladderText}: each rung only for survivors` };
}

/** The dialog's title names what Enter will do: "Send SIGTERM to PID 4101", "Stop 2 processes with the ladder TERM:5s,KILL:2s". */
export function killDialogTitle(dialog: KillDialogState): string {
  const count = dialog.targets.length;
  const only = dialog.targets[0];
  const whom = count === 1 && only ? `PID ${only.pid}` : `${count} processes`;
  if (dialog.signalIndex === LADDER_CHOICE) return `Stop ${whom} with the ladder ${dialog.ladderText}`;
  const picked = PICKER_SIGNALS[dialog.signalIndex] ?? PICKER_SIGNALS[0]!;
  return `Send SIG${picked.name} to ${whom}`;
}

/** The kill dialog's lines at a given size: targets, signal picker (or the ladder's progress), keys. */
export function killDialogLines(dialog: KillDialogState, width: number, height: number): DialogLine[] {
  const ladder = dialog.signalIndex === LADDER_CHOICE;
  const picked = ladder ? ladderEntry(dialog) : (PICKER_SIGNALS[dialog.signalIndex] ?? PICKER_SIGNALS[0]!);
  const action = ladder ? `stop (ladder ${dialog.ladderText})` : `send SIG${picked.name}`;
  const count = dialog.targets.length;
  const run = dialog.run;
  let footerText = `${keysOf('DIALOG_CONFIRM', '/')}: ${action}   ${keysOf('DIALOG_CANCEL', '/')}: cancel   ${keysOf('DIALOG_PREVIOUS', '/')} ${keysOf('DIALOG_NEXT', '/')}: signal`;
  if (run) footerText = run.done ? `${keysOf('DIALOG_CONFIRM', '/')} ${keysOf('DIALOG_CANCEL', '/')}: close` : `stopping…   ${keysOf('DIALOG_CANCEL', '/')}: leave it running`;
  else if (dialog.sending) footerText = `sending SIG${picked.name}…`;
  const footer: DialogLine = { text: footerText, bold: true };
  const fixed = 4; // title, column titles, "Signal:", footer
  const choices = [...PICKER_SIGNALS, ladderEntry(dialog)];
  const fullPicker = height >= fixed + choices.length + Math.min(count, FULL_PICKER_MIN_TARGETS);
  let picker: DialogLine[];
  if (run) picker = [{ text: `  ${run.progress}`, inverse: !run.done }];
  else if (fullPicker) picker = choices.map((c, i) => ({ text: `  ${i === dialog.signalIndex ? '>' : ' '} ${c.name.padEnd(5)} ${c.description}`, inverse: i === dialog.signalIndex }));
  else picker = [{ text: `  < ${picked.name} >  ${picked.description}  (${dialog.signalIndex + 1}/${choices.length})`, inverse: true }];
  const room = Math.max(1, height - fixed - picker.length);
  const shown = count <= room ? dialog.targets : dialog.targets.slice(0, room - 1);
  const targets: DialogLine[] = shown.map((t) => {
    const fate = run?.fates[t.key];
    return { text: targetLine(fate ? { ...t, command: `[${fate}] ${t.command}` } : t, width) };
  });
  if (shown.length < count) targets.push({ text: `     … and ${count - shown.length} more (all ${count} get the ${ladder ? 'ladder' : 'signal'})` });
  const body: DialogLine[] = [
    { text: `${killDialogTitle(dialog)} (captured when this dialog opened)`, bold: true },
    { text: `${'PID'.padStart(8)} ${'USER'.padEnd(10)} COMMAND` },
    ...targets,
    { text: run ? 'Ladder:' : 'Signal:' },
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
