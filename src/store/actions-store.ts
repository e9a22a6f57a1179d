// State of the acting views (kill dialog, tree-terminate dialog, action history): a vanilla
// zustand store of its own, beside the monitor store. Pure state; the async work that fills it
// lives in src/tui/actions-controller.ts.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AuditRecord } from '../storage/audit-log.js';
import type { MemberFate } from '../actions/terminate-tree.js';
import type { TreeRelation } from '../actions/process-tree.js';
import { listSignals, parseSignal, SIGNAL_NUMBERS } from '../actions/signals.js';
import type { IdentityKey } from '../sampler/types.js';

/** One process a dialog acts on, captured (identity and text) when the dialog opened. */
export interface DialogTarget {
  readonly key: IdentityKey;
  readonly pid: number;
  /** Start time in clock ticks: the identity every signal is checked against. */
  readonly startTime: number;
  /** Login name (or uid text). */
  readonly user: string;
  /** Command line as the table showed it. */
  readonly command: string;
  /** Why this target will not be signalled (protected, kernel thread), once the guards are known. */
  readonly refusal?: string;
}

/** A signal the picker offers. */
export interface PickerSignal {
  /** Name without SIG: "TERM". */
  readonly name: string;
  readonly number: number;
  readonly description: string;
}

/** The kill dialog's common signals, in picker order (htop's short list). */
export const PICKER_SIGNALS: readonly PickerSignal[] = ['TERM', 'KILL', 'INT', 'HUP', 'QUIT', 'STOP', 'CONT', 'USR1', 'USR2'].flatMap((name) => {
  const number = parseSignal(name);
  if (number === null) return [];
  return [{ name, number, description: listSignals().find((s) => s.number === number)?.description ?? '' }];
});

/** Picker position of a signal number (0 = TERM when it is not offered). */
export function pickerIndexOf(signal: number): number {
  return Math.max(0, PICKER_SIGNALS.findIndex((s) => s.number === signal));
}

/** The kill dialog (F9/x). */
export interface KillDialogState {
  readonly kind: 'kill';
  /** Every target, captured at open; refreshes never change it. */
  readonly targets: readonly DialogTarget[];
  /** Position in PICKER_SIGNALS. */
  readonly signalIndex: number;
  /** The signals are on their way: keys wait. */
  readonly sending: boolean;
}

/** One member of the tree as the tree dialog lists it. */
export interface TreeMemberLine {
  readonly pid: number;
  readonly startTime: number;
  readonly user: string;
  readonly command: string;
  readonly relation: TreeRelation;
  /** Why guards keep it untouched, or null. */
  readonly spared: string | null;
  /** Its fate once the operation is done. */
  readonly fate: MemberFate | null;
  /** Why, for failed / protected / reused fates. */
  readonly reason: string | null;
}

/** planning → (refused | confirm) → running → done. */
export type TreePhase = 'planning' | 'refused' | 'confirm' | 'running' | 'done';

/** The tree-terminate dialog (T). */
export interface TreeDialogState {
  readonly kind: 'tree';
  /** The root as the cursor showed it when T was pressed. */
  readonly root: DialogTarget;
  readonly phase: TreePhase;
  /** The planned members (root first); after the run, with their fates. */
  readonly members: readonly TreeMemberLine[];
  /** Why the tree cannot be terminated (phase 'refused'). */
  readonly refusal: string | null;
  /** The live progress line while running, the outcome when done. */
  readonly progress: string;
  /** First member line shown (the list can be longer than the screen). */
  readonly scrollTop: number;
  /** The escalation windows the run will use, for the confirmation text. */
  readonly windows: TreeWindows;
}

/** How long terminate-tree waits: after the first signal, and after the kill signal. */
export interface TreeWindows {
  readonly graceMs: number;
  readonly killAfterMs: number;
}

/** One action as the history view lists it. */
export interface HistoryEntry {
  readonly record: AuditRecord;
  /** Done by this proctop session (also kept when the log could not be written). */
  readonly thisSession: boolean;
}

/** The action history view (H). */
export interface HistoryState {
  readonly loading: boolean;
  /** Oldest first. */
  readonly entries: readonly HistoryEntry[];
  /** Why the log could not be read, or null. */
  readonly error: string | null;
  /** First line shown. */
  readonly scrollTop: number;
}

export interface ActionsState {
  /** The open (or, for a tree termination left running, backgrounded) dialog. */
  readonly dialog: KillDialogState | TreeDialogState | null;
  /** The signal sent last from the kill dialog, preselected next time (TERM at first). */
  readonly lastSignal: number;
  readonly history: HistoryState;
  /** Actions done in this session, oldest first (as written to the audit log). */
  readonly sessionRecords: readonly AuditRecord[];
}

export interface ActionsActions {
  openKillDialog(targets: readonly DialogTarget[]): void;
  /** Marks kill-dialog targets the guards will refuse (by identity key), so the dialog says so before Enter. */
  markRefusals(refusals: ReadonlyMap<string, string>): void;
  /** Moves the signal picker up (-1) or down (+1), wrapping around. */
  moveSignal(step: -1 | 1): void;
  setSending(sending: boolean): void;
  /** Remembers the signal for the next dialog. */
  rememberSignal(signal: number): void;
  openTreeDialog(root: DialogTarget, windows: TreeWindows): void;
  /** Updates the tree dialog (ignored when no tree dialog is open). */
  updateTree(change: Partial<Omit<TreeDialogState, 'kind' | 'root'>>): void;
  scrollTree(delta: number): void;
  closeDialog(): void;
  startHistoryLoad(): void;
  historyLoaded(fileRecords: readonly AuditRecord[], error: string | null): void;
  /** Scrolls the history; `lineCount` bounds it. */
  scrollHistory(delta: number, lineCount: number): void;
  recordSessionAction(record: AuditRecord): void;
}

export type ActionsStore = StoreApi<ActionsState & ActionsActions>;

/** Same action seen in the log file and in this session's memory. */
function recordKey(r: AuditRecord): string {
  return `${r.time}|${r.proctopPid}|${r.action}|${r.summary}`;
}

/** File records plus this session's records the file lacks, oldest first. */
export function mergeHistory(fileRecords: readonly AuditRecord[], sessionRecords: readonly AuditRecord[]): HistoryEntry[] {
  const session = new Set(sessionRecords.map(recordKey));
  const inFile = new Set<string>();
  const entries: HistoryEntry[] = fileRecords.map((record) => {
    const key = recordKey(record);
    inFile.add(key);
    return { record, thisSession: session.has(key) };
  });
  for (const record of sessionRecords) if (!inFile.has(recordKey(record))) entries.push({ record, thisSession: true });
  return entries.sort((a, b) => (a.record.time < b.record.time ? -1 : a.record.time > b.record.time ? 1 : 0));
}

/** Creates a fresh actions store (one per app and per test). */
export function createActionsStore(): ActionsStore {
  return createStore<ActionsState & ActionsActions>()((set, get) => ({
    dialog: null,
    lastSignal: SIGNAL_NUMBERS.TERM,
    history: { loading: false, entries: [], error: null, scrollTop: 0 },
    sessionRecords: [],

    openKillDialog(targets) {
      set({ dialog: { kind: 'kill', targets: [...targets], signalIndex: pickerIndexOf(get().lastSignal), sending: false } });
    },
    markRefusals(refusals) {
      const d = get().dialog;
      if (d?.kind !== 'kill' || refusals.size === 0) return;
      set({ dialog: { ...d, targets: d.targets.map((t) => (refusals.has(t.key) ? { ...t, refusal: refusals.get(t.key) } : t)) } });
    },
    moveSignal(step) {
      const d = get().dialog;
      if (d?.kind !== 'kill' || d.sending) return;
      const count = PICKER_SIGNALS.length;
      set({ dialog: { ...d, signalIndex: (d.signalIndex + step + count) % count } });
    },
    setSending(sending) {
      const d = get().dialog;
      if (d?.kind === 'kill') set({ dialog: { ...d, sending } });
    },
    rememberSignal(signal) {
      set({ lastSignal: signal });
    },
    openTreeDialog(root, windows) {
      set({ dialog: { kind: 'tree', root, phase: 'planning', members: [], refusal: null, progress: 'reading the process tree…', scrollTop: 0, windows } });
    },
    updateTree(change) {
      const d = get().dialog;
      if (d?.kind === 'tree') set({ dialog: { ...d, ...change } });
    },
    scrollTree(delta) {
      const d = get().dialog;
      if (d?.kind !== 'tree') return;
      set({ dialog: { ...d, scrollTop: Math.max(0, Math.min(d.members.length - 1, d.scrollTop + delta)) } });
    },
    closeDialog() {
      set({ dialog: null });
    },
    startHistoryLoad() {
      const h = get().history;
      set({ history: { ...h, loading: true, scrollTop: 0 } });
    },
    historyLoaded(fileRecords, error) {
      set({ history: { loading: false, entries: mergeHistory(fileRecords, get().sessionRecords), error, scrollTop: 0 } });
    },
    scrollHistory(delta, lineCount) {
      const h = get().history;
      set({ history: { ...h, scrollTop: Math.max(0, Math.min(lineCount - 1, h.scrollTop + delta)) } });
    },
    recordSessionAction(record) {
      const sessionRecords = [...get().sessionRecords, record];
      const h = get().history;
      // An open history view shows the new action at once.
      const entries = h.loading ? h.entries : mergeHistory(h.entries.map((e) => e.record), sessionRecords);
      set({ sessionRecords, history: { ...h, entries } });
    },
  }));
}
