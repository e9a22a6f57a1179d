// State of the acting views (kill dialog, tree-terminate dialog, action history): a vanilla
// zustand store of its own, beside the monitor store. Pure state; the async work that fills it
// lives in src/tui/actions-controller.ts.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AuditRecord } from '../storage/audit-log.js';
import type { MemberFate } from '../actions/terminate-tree.js';
import type { TreeRelation } from '../actions/process-tree.js';
import { listSignals, parseSignal, SIGNAL_NUMBERS } from '../actions/signals.js';
import { DEFAULT_LADDER, formatLadder, type Ladder } from '../actions/ladder.js';
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

/** The picker's last entry, after the signals: "stop (ladder)". */
export const LADDER_CHOICE = PICKER_SIGNALS.length;
/** Entries of the picker: every signal, then the ladder. */
export const PICKER_CHOICES = PICKER_SIGNALS.length + 1;

/** A stop ladder running (or done) from the kill dialog: progress per rung and each target's fate. */
export interface LadderRunState {
  /** "rung 1/2: TERM sent to 2; 1 still running, 1.2s of 5s". */
  readonly progress: string;
  /** Fate per target identity key once known: "ended by TERM (rung 1) in 0.3s". */
  readonly fates: Readonly<Record<string, string>>;
  /** The ladder has finished: Enter/Esc close. */
  readonly done: boolean;
}

/** The kill dialog (F9/x). */
export interface KillDialogState {
  readonly kind: 'kill';
  /** Every target, captured at open; refreshes never change it. */
  readonly targets: readonly DialogTarget[];
  /** Position in the picker: PICKER_SIGNALS, then LADDER_CHOICE. Always TERM when it opens. */
  readonly signalIndex: number;
  /** The ladder the "stop (ladder)" choice runs. */
  readonly ladder: Ladder;
  /** The same as --ladder writes it, for the dialog: "TERM:5s,KILL:2s". */
  readonly ladderText: string;
  /** The signals are on their way: keys wait. */
  readonly sending: boolean;
  /** Set once "stop (ladder)" was confirmed. */
  readonly run: LadderRunState | null;
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
  readonly history: HistoryState;
  /** Actions done in this session, oldest first (as written to the audit log). */
  readonly sessionRecords: readonly AuditRecord[];
}

export interface ActionsActions {
  /** Opens the kill dialog on TERM (every time, as htop does: a STOP sent earlier is never preselected). */
  openKillDialog(targets: readonly DialogTarget[], ladder?: Ladder): void;
  /** Marks kill-dialog targets the guards will refuse (by identity key), so the dialog says so before Enter. */
  markRefusals(refusals: ReadonlyMap<string, string>): void;
  /** Moves the signal picker up (-1) or down (+1); it stops at the ends (no wrap from the last to the first). */
  moveSignal(step: -1 | 1): void;
  setSending(sending: boolean): void;
  /** Updates (or starts) the kill dialog's ladder run. */
  updateLadderRun(change: Partial<LadderRunState>): void;
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
    history: { loading: false, entries: [], error: null, scrollTop: 0 },
    sessionRecords: [],

    openKillDialog(targets, ladder = DEFAULT_LADDER) {
      set({ dialog: { kind: 'kill', targets: [...targets], signalIndex: pickerIndexOf(SIGNAL_NUMBERS.TERM), ladder, ladderText: formatLadder(ladder), sending: false, run: null } });
    },
    markRefusals(refusals) {
      const d = get().dialog;
      if (d?.kind !== 'kill' || refusals.size === 0) return;
      set({ dialog: { ...d, targets: d.targets.map((t) => (refusals.has(t.key) ? { ...t, refusal: refusals.get(t.key) } : t)) } });
    },
    moveSignal(step) {
      const d = get().dialog;
      if (d?.kind !== 'kill' || d.sending || d.run) return;
      set({ dialog: { ...d, signalIndex: Math.max(0, Math.min(PICKER_CHOICES - 1, d.signalIndex + step)) } });
    },
    setSending(sending) {
      const d = get().dialog;
      if (d?.kind === 'kill') set({ dialog: { ...d, sending } });
    },
    updateLadderRun(change) {
      const d = get().dialog;
      if (d?.kind !== 'kill') return;
      const run = d.run ?? { progress: '', fates: {}, done: false };
      set({ dialog: { ...d, run: { ...run, ...change, fates: { ...run.fates, ...change.fates } } } });
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
