// The tracked view and the track form: a zustand vanilla store (fresh per app and per test). It
// holds what the registry said last; the tracking controller feeds it and acts on it.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { TrackedStatus } from '../registry/types.js';

/** The three fields of the track form, in Tab order. */
export const TRACK_FORM_FIELDS = ['name', 'tags', 'groups'] as const;
export type TrackFormField = (typeof TRACK_FORM_FIELDS)[number];

/** The small form that tracks the process under the cursor (or relabels it when tracked already). */
export interface TrackForm {
  /** The process, captured when the form opened: saving pins this identity. */
  readonly pid: number;
  readonly startTime: number;
  /** Its command line, for the form's title. */
  readonly command: string;
  /** The entry being relabelled, or null for a new one. */
  readonly entryId: number | null;
  readonly values: Readonly<Record<TrackFormField, string>>;
  readonly focus: TrackFormField;
  /** Why the last save was refused (bad label, name taken...). */
  readonly problem: string | null;
  /** A save is under way (keys wait). */
  readonly saving: boolean;
}

export interface TrackedState {
  /** Every entry (dead ones too) with its liveness at the last refresh, in id order. */
  readonly statuses: readonly TrackedStatus[];
  /** Entry under the tracked view's cursor (an id, not a position: the list moves under it). */
  readonly cursorId: number | null;
  readonly form: TrackForm | null;
  /** Why the registry cannot be used (e.g. a file that does not parse), null when fine. */
  readonly problem: string | null;
}

export interface TrackedActions {
  setStatuses(statuses: readonly TrackedStatus[]): void;
  setProblem(problem: string | null): void;
  moveCursor(delta: number): void;
  cursorEdge(end: 'first' | 'last'): void;
  openForm(form: Omit<TrackForm, 'focus' | 'problem' | 'saving'>): void;
  typeForm(text: string): void;
  backspaceForm(): void;
  /** Tab / Shift-Tab. */
  cycleField(step: 1 | -1): void;
  setFormProblem(problem: string | null): void;
  setSaving(saving: boolean): void;
  closeForm(): void;
}

export type TrackedStore = StoreApi<TrackedState & TrackedActions>;

/** The entry under the tracked view's cursor. */
export function cursorStatus(s: TrackedState): TrackedStatus | null {
  return s.statuses.find((st) => st.entry.id === s.cursorId) ?? null;
}

/** Creates a fresh tracked store. */
export function createTrackedStore(): TrackedStore {
  return createStore<TrackedState & TrackedActions>()((set, get) => {
    const patchForm = (change: Partial<TrackForm>): void => {
      const form = get().form;
      if (form) set({ form: { ...form, ...change } });
    };
    const cursorAtIndex = (index: number): void => {
      const list = get().statuses;
      if (list.length === 0) return set({ cursorId: null });
      set({ cursorId: list[Math.max(0, Math.min(list.length - 1, index))]?.entry.id ?? null });
    };
    return {
      statuses: [],
      cursorId: null,
      form: null,
      problem: null,
      setStatuses(statuses) {
        const s = get();
        // The cursor stays on its entry; if that entry is gone it moves to the first one.
        const keep = statuses.some((st) => st.entry.id === s.cursorId);
        set({ statuses, problem: null, cursorId: keep ? s.cursorId : (statuses[0]?.entry.id ?? null) });
      },
      setProblem(problem) {
        set({ problem });
      },
      moveCursor(delta) {
        const s = get();
        const at = s.statuses.findIndex((st) => st.entry.id === s.cursorId);
        cursorAtIndex((at < 0 ? 0 : at) + delta);
      },
      cursorEdge(end) {
        cursorAtIndex(end === 'first' ? 0 : get().statuses.length - 1);
      },
      openForm(form) {
        set({ form: { ...form, focus: 'name', problem: null, saving: false } });
      },
      typeForm(text) {
        const form = get().form;
        if (form && !form.saving) patchForm({ values: { ...form.values, [form.focus]: form.values[form.focus] + text }, problem: null });
      },
      backspaceForm() {
        const form = get().form;
        if (form && !form.saving) patchForm({ values: { ...form.values, [form.focus]: form.values[form.focus].slice(0, -1) }, problem: null });
      },
      cycleField(step) {
        const form = get().form;
        if (!form) return;
        const i = TRACK_FORM_FIELDS.indexOf(form.focus);
        patchForm({ focus: TRACK_FORM_FIELDS[(i + step + TRACK_FORM_FIELDS.length) % TRACK_FORM_FIELDS.length] ?? 'name' });
      },
      setFormProblem(problem) {
        patchForm({ problem, saving: false });
      },
      setSaving(saving) {
        patchForm({ saving });
      },
      closeForm() {
        set({ form: null });
      },
    };
  });
}

/** "a, b c" → ["a", "b", "c"]: tags and groups are typed separated by commas or spaces. */
export function splitLabels(text: string): string[] {
  return text.split(/[\s,]+/).filter((t) => t !== '');
}
