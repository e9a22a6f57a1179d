// Tracked processes in the TUI: after each frame the registry is re-read when its file changed,
// every entry's liveness is judged from the frame's own snapshot (no extra /proc read), and what
// was seen goes back to the registry (last seen at most once per interval). The TRACK column and
// the tag:/group:/name: filter tokens read the result from the monitor store; the tracked view and
// the track form from the tracked store.
import type { CommandOverrides, ViewKeyHandlers } from '../keys/dispatch.js';
import { READ_ONLY_MESSAGE } from '../keys/dispatch.js';
import { commandFor, KEY_BINDINGS, type CommandInfo } from '../keys/bindings.js';
import { editText } from '../keys/text-input.js';
import type { KeyPress } from '../keys/decode-key.js';
import type { Registry } from '../registry/registry.js';
import { labelProblem } from '../registry/selectors.js';
import type { TrackedEntry } from '../registry/types.js';
import type { SampledFrame } from '../sampler/types.js';
import { registryStamp } from '../storage/registry-file.js';
import { commandText } from '../store/columns.js';
import { cursorRow, topView, type MonitorStore } from '../store/monitor-store.js';
import { trackedByKey } from '../store/tracked-filter.js';
import { createTrackedStore, cursorStatus, splitLabels, type TrackedStore } from '../store/tracked-store.js';
import type { ActionsController } from './actions-controller.js';

export interface TrackingController {
  readonly store: TrackedStore;
  /** TRACK (the form) and TRACKED_VIEW for the list's dispatcher. */
  readonly overrides: CommandOverrides;
  /** Keys of the 'tracked' view and the 'track-form' view. */
  readonly viewKeys: ViewKeyHandlers;
  /** Follows the monitor's frames until stop(). */
  attach(monitor: MonitorStore): void;
  /** Re-reads the registry now (after a change made here) against the monitor's latest frame. */
  refresh(monitor: MonitorStore): Promise<void>;
  /** Stops following and waits for a refresh under way. */
  stop(): Promise<void>;
}

export interface TrackingControllerOptions {
  /** Opens the registry (once; a failure is shown and retried on the next frame). */
  readonly registry: () => Promise<Registry>;
  /** The kill dialog of the list, reused for an entry of the tracked view. */
  readonly actions?: Pick<ActionsController, 'openKillDialogFor'>;
}

/** Checks the form's values; a problem is one line for the form. */
function formLabels(values: { name: string; tags: string; groups: string }): { name: string | null; tags: string[]; groups: string[] } | string {
  const name = values.name.trim();
  const tags = splitLabels(values.tags);
  const groups = splitLabels(values.groups);
  const problem = (name === '' ? null : labelProblem('name', name)) ?? tags.map((t) => labelProblem('tag', t)).find((p) => p !== null) ?? groups.map((g) => labelProblem('group', g)).find((p) => p !== null) ?? null;
  return problem ?? { name: name === '' ? null : name, tags, groups };
}

export function createTrackingController(options: TrackingControllerOptions): TrackingController {
  const store = createTrackedStore();
  let registry: Registry | null = null;
  let opening: Promise<Registry> | null = null;
  let stamp: string | null | undefined;
  let entries: readonly TrackedEntry[] = [];
  let running: Promise<void> | null = null;
  let again = false;
  let unsubscribe: (() => void) | null = null;

  const open = async (): Promise<Registry> => {
    if (registry) return registry;
    opening ??= options.registry().finally(() => (opening = null));
    registry = await opening;
    return registry;
  };

  /** One pass: re-read when the file changed, judge liveness from the frame, write what is due. */
  const pass = async (monitor: MonitorStore, frame: SampledFrame | null): Promise<void> => {
    const reg = await open();
    const now = await registryStamp(reg.path);
    if (now !== stamp) {
      entries = (await reg.read()).entries;
      stamp = now;
      // The TRACK column and filter tokens change only when the file does.
      monitor.getState().setTracked(trackedByKey(entries, await reg.bootId()));
    }
    if (entries.length === 0 && store.getState().statuses.length === 0) return;
    // The frame's own processes decide liveness: no extra /proc read per refresh.
    const statuses = await reg.statuses(entries, frame?.snapshot.processes);
    const { statuses: seen } = await reg.observe(statuses);
    store.getState().setStatuses(seen);
  };

  const controller: TrackingController = {
    store,
    refresh(monitor) {
      // One pass at a time; a frame arriving meanwhile asks for one more pass afterwards.
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        do {
          again = false;
          try {
            await pass(monitor, monitor.getState().frame);
          } catch (error) {
            const problem = `tracked processes unavailable: ${(error as Error).message}`;
            if (store.getState().problem !== problem) monitor.getState().showMessage(problem, 8000);
            store.getState().setProblem(problem);
            stamp = undefined;
          }
        } while (again);
      })().finally(() => {
        running = null;
      });
      return running;
    },
    attach(monitor) {
      unsubscribe?.();
      unsubscribe = monitor.subscribe((state, previous) => {
        if (state.frame !== previous.frame && state.frame !== null) void controller.refresh(monitor);
      });
      void controller.refresh(monitor);
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = null;
      await running;
    },
    overrides: {
      TRACK: (monitor) => {
        const m = monitor.getState();
        const cursor = cursorRow(m);
        if (!cursor) return m.showMessage('no process under the cursor');
        if (cursor.exited) return m.showMessage(`PID ${cursor.row.pid} has already exited`);
        const entry = m.tracked.get(cursor.key) ?? null;
        store.getState().openForm({
          pid: cursor.row.pid,
          startTime: cursor.row.startTime,
          command: commandText(cursor.row),
          entryId: entry?.id ?? null,
          values: { name: entry?.name ?? '', tags: entry?.tags.join(' ') ?? '', groups: entry?.groups.join(' ') ?? '' },
        });
        m.pushView('track-form');
      },
      TRACKED_VIEW: (monitor) => {
        monitor.getState().pushView('tracked');
        void controller.refresh(monitor);
      },
    },
    viewKeys: {
      'track-form': (press, monitor) => handleFormKey(press, monitor),
      tracked: (press, monitor) => handleTrackedKey(press, monitor),
    },
  };

  const closeView = (monitor: MonitorStore, view: 'tracked' | 'track-form'): void => {
    if (topView(monitor.getState()) === view) monitor.getState().popView();
  };

  async function save(monitor: MonitorStore): Promise<void> {
    const form = store.getState().form;
    if (!form || form.saving) return;
    const labels = formLabels(form.values);
    if (typeof labels === 'string') return store.getState().setFormProblem(labels);
    store.getState().setSaving(true);
    try {
      const reg = await open();
      let message: string;
      if (form.entryId !== null) {
        const outcome = await reg.relabel(form.entryId, labels);
        if (outcome.status === 'name-taken') return store.getState().setFormProblem(`name "${labels.name}" is already used by #${outcome.entry.id}`);
        message = outcome.status === 'missing' ? `#${form.entryId} is no longer tracked` : `#${form.entryId} relabelled`;
      } else {
        const outcome = await reg.add({ pid: form.pid, startTime: form.startTime }, labels);
        switch (outcome.status) {
          case 'name-taken':
            return store.getState().setFormProblem(`name "${labels.name}" is already used by #${outcome.entry.id}`);
          case 'added':
            message = `tracking PID ${form.pid} as #${outcome.entry.id}${outcome.entry.name !== null ? ` (${outcome.entry.name})` : ''}`;
            break;
          case 'exists':
            message = `PID ${form.pid} is already tracked as #${outcome.entry.id}`;
            break;
          default:
            message = `PID ${form.pid} has exited or was reused: not tracked`;
        }
      }
      store.getState().closeForm();
      closeView(monitor, 'track-form');
      monitor.getState().showMessage(message);
      await controller.refresh(monitor);
    } catch (error) {
      store.getState().setFormProblem(`not saved: ${(error as Error).message}`);
    }
  }

  function handleFormKey(press: KeyPress, monitor: MonitorStore): void {
    const s = store.getState();
    const command = commandFor(press, 'form');
    if (command === 'FORM_NEXT_FIELD') return s.cycleField(1);
    if (command === 'FORM_PREVIOUS_FIELD') return s.cycleField(-1);
    editText(press, {
      accept: () => void save(monitor),
      cancel: () => {
        s.closeForm();
        closeView(monitor, 'track-form');
      },
      backspace: s.backspaceForm,
      type: s.typeForm,
    });
  }

  async function untrack(monitor: MonitorStore, entry: TrackedEntry): Promise<void> {
    try {
      const removed = await (await open()).removeEntries([entry]);
      monitor.getState().showMessage(removed.length > 0 ? `untracked #${entry.id}${entry.name !== null ? ` (${entry.name})` : ''}` : `#${entry.id} was already untracked`);
    } catch (error) {
      monitor.getState().showMessage(`not untracked: ${(error as Error).message}`);
    }
    await controller.refresh(monitor);
  }

  function handleTrackedKey(press: KeyPress, monitor: MonitorStore): void {
    const s = store.getState();
    const m = monitor.getState();
    const command = commandFor(press, 'tracked');
    if (command === null) return;
    const info: CommandInfo = KEY_BINDINGS[command];
    if (m.mode === 'watch' && info.mutating) return m.showMessage(READ_ONLY_MESSAGE);
    const current = cursorStatus(s);
    switch (command) {
      case 'TRACKED_CLOSE':
        return closeView(monitor, 'tracked');
      case 'TRACKED_UP':
        return s.moveCursor(-1);
      case 'TRACKED_DOWN':
        return s.moveCursor(1);
      case 'TRACKED_HOME':
        return s.cursorEdge('first');
      case 'TRACKED_END':
        return s.cursorEdge('last');
      case 'TRACKED_UNTRACK':
        if (!current) return m.showMessage('no tracked process');
        return void untrack(monitor, current.entry);
      case 'TRACKED_KILL': {
        if (!current) return m.showMessage('no tracked process');
        if (!current.liveness.alive) return m.showMessage(`#${current.entry.id} is not alive (${current.liveness.reason}): nothing to signal`);
        if (!options.actions) return m.showMessage('kill dialog: not available here');
        const e = current.entry;
        return options.actions.openKillDialogFor(monitor, [{ key: `${e.pid}:${e.startTime}`, pid: e.pid, startTime: e.startTime, user: e.user, command: e.argv.join(' ') }]);
      }
    }
  }

  return controller;
}
