// The acting views' glue: opens the kill and tree dialogs from the monitor's state, runs the
// engine (killMany, planTree, terminateTree, readRecentActions) asynchronously, and puts the
// outcome in the status bar, the dialog and the history. The UI never waits on it.
import { createFileAuditSink, readRecentActions, type AuditSink } from '../storage/audit-log.js';
import { createSystemDeps, type ActionDeps } from '../actions/deps.js';
import { refusalFor } from '../actions/guards.js';
import { killMany } from '../actions/kill-many.js';
import { reniceMany } from '../actions/renice.js';
import type { TreeMember } from '../actions/process-tree.js';
import { planTree, terminateTree, type TerminateTreeOptions, type TerminateTreeResult } from '../actions/terminate-tree.js';
import type { KeyPress } from '../keys/decode-key.js';
import type { CommandOverrides, ViewKeyHandlers } from '../keys/dispatch.js';
import { handleConfirmKey, handleHistoryKey } from '../keys/action-keys.js';
import { VIEW_GEOMETRY } from '../components/view-geometry.js';
import type { ProcessRow } from '../sampler/types.js';
import { identityKey } from '../sampler/types.js';
import { createActionsStore, LADDER_CHOICE, PICKER_SIGNALS, type ActionsStore, type KillDialogState, type LadderRunState, type DialogTarget, type TreeMemberLine } from '../store/actions-store.js';
import { commandText } from '../store/columns.js';
import { cursorRow, topView, type MonitorState, type MonitorStore } from '../store/monitor-store.js';
import { killSummary, ladderProgressText, reniceSummary, stopFateText, stopSummary, treeProgressText, treeSummary } from '../components/action-messages.js';
import { stopMany } from '../actions/stop-many.js';
import type { Ladder } from '../actions/ladder.js';

export interface ActionsControllerOptions {
  /** The engine's dependencies; real ones (the system's collector, XDG audit log) by default. Made on first use. */
  readonly deps?: () => Promise<ActionDeps>;
  /** The audit log the history view reads (and the default deps write). */
  readonly auditPath?: string;
  /** Escalation windows of the tree termination (the engine's defaults: 5 s grace, 10 s after KILL). */
  readonly tree?: Pick<TerminateTreeOptions, 'graceMs' | 'killAfterMs' | 'pollIntervalMs' | 'rescanIntervalMs'>;
  /** The ladder the kill dialog's "stop (ladder)" runs (default TERM:5s,KILL:2s). */
  readonly ladder?: Ladder;
  /** How many logged actions the history view reads. */
  readonly historyLimit?: number;
  /** How long a result stays in the status bar. */
  readonly messageMs?: number;
  /** How often the ladder checks exits (tests). */
  readonly stopPollIntervalMs?: number;
}

export interface ActionsController {
  readonly store: ActionsStore;
  /** KILL, TERMINATE_TREE and HISTORY for the list's dispatcher. */
  readonly overrides: CommandOverrides;
  /** Keys of the 'confirm' and 'history' views. */
  readonly viewKeys: ViewKeyHandlers;
  openKillDialog(monitor: MonitorStore): void;
  /** The same dialog for targets chosen elsewhere (the tracked view's entry). */
  openKillDialogFor(monitor: MonitorStore, targets: readonly DialogTarget[]): void;
  confirmKill(monitor: MonitorStore): Promise<void>;
  openTreeDialog(monitor: MonitorStore): void;
  confirmTree(monitor: MonitorStore): Promise<void>;
  /** Esc/n: closes the dialog (a running tree termination goes on in the background). */
  cancelDialog(monitor: MonitorStore): void;
  /** F7/F8: moves the nice value of the selected (else the cursor's) processes by delta, identity-checked. */
  renice(monitor: MonitorStore, delta: number): Promise<void>;
  openHistory(monitor: MonitorStore): void;
  closeHistory(monitor: MonitorStore): void;
  /** Some action (a send, a tree termination, a history read) is still under way. */
  busy(): boolean;
  /** Settles when every piece of work started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
}

/** A row as a dialog target: identity plus the text the table showed. */
export function targetOfRow(row: ProcessRow): DialogTarget {
  return { key: row.key, pid: row.pid, startTime: row.startTime, user: row.user, command: commandText(row) };
}

/**
 * The kill dialog's targets: every selected process (in screen order, hidden ones after), or the
 * cursor's process when nothing is selected. A string says why there is nothing to signal.
 */
export function captureKillTargets(s: MonitorState): DialogTarget[] | string {
  if (s.selection.size > 0) {
    const rows = [...s.selection].map((key) => s.rowsByKey.get(key)).filter((r): r is ProcessRow => r !== undefined);
    const position = (r: ProcessRow): number => s.displayIndex.get(r.key) ?? Number.MAX_SAFE_INTEGER;
    rows.sort((a, b) => position(a) - position(b) || a.pid - b.pid);
    if (rows.length > 0) return rows.map(targetOfRow);
  }
  const cursor = cursorRow(s);
  if (!cursor) return 'no process under the cursor';
  if (cursor.exited) return `PID ${cursor.row.pid} has already exited`;
  return [targetOfRow(cursor.row)];
}

/** The tree dialog's line for one planned member; the monitor's row gives user and command when it has them. */
function memberLine(member: TreeMember, s: MonitorState, spared: string | null): TreeMemberLine {
  const row = s.rowsByKey.get(identityKey(member));
  return {
    pid: member.pid,
    startTime: member.startTime,
    user: row?.user ?? member.user,
    command: row ? commandText(row) : `[${member.comm}]`,
    relation: member.relation,
    spared,
    fate: null,
    reason: null,
  };
}

/** Member lines with the fates of the result; newcomers found during the run are appended. */
function withFates(lines: readonly TreeMemberLine[], result: TerminateTreeResult, s: MonitorState): TreeMemberLine[] {
  const reports = new Map(result.members.map((m) => [identityKey(m), m]));
  const updated = lines.map((line) => {
    const report = reports.get(identityKey(line));
    reports.delete(identityKey(line));
    return report ? { ...line, fate: report.fate, reason: report.reason } : line;
  });
  for (const report of reports.values()) {
    const row = s.rowsByKey.get(identityKey(report));
    updated.push({
      pid: report.pid,
      startTime: report.startTime,
      user: row?.user ?? report.user,
      command: row ? commandText(row) : `[${report.comm}]`,
      relation: report.relation,
      spared: null,
      fate: report.fate,
      reason: report.reason,
    });
  }
  return updated;
}

/** Records every audited action in the store too (the history shows it even when the log is unwritable). */
function sessionSink(store: ActionsStore, inner: AuditSink | null): AuditSink {
  return {
    async append(record) {
      store.getState().recordSessionAction(record);
      return inner ? inner.append(record) : null;
    },
  };
}

const RESULT_MESSAGE_MS = 8000;
/** terminate-tree's own defaults (5 s grace, 10 s after the kill signal), shown in the dialog. */
const DEFAULT_GRACE_MS = 5000;
const DEFAULT_KILL_AFTER_MS = 10_000;

export function createActionsController(options: ActionsControllerOptions = {}): ActionsController {
  const store = createActionsStore();
  // Unset: resolved for the effective user at each use (see storage/state-dir.ts).
  const auditPath = options.auditPath;
  const messageMs = options.messageMs ?? RESULT_MESSAGE_MS;
  const pending = new Set<Promise<unknown>>();
  let depsPromise: Promise<ActionDeps> | null = null;
  // Bumped whenever a dialog opens or closes, so late answers for a closed dialog are dropped.
  let dialogGeneration = 0;

  const deps = (): Promise<ActionDeps> => {
    depsPromise ??= (options.deps ? options.deps() : createSystemDeps({ audit: createFileAuditSink(auditPath ?? {}) })).then((d) => ({
      ...d,
      audit: sessionSink(store, d.audit),
    }));
    // A failed creation is retried next time rather than remembered.
    depsPromise.catch(() => {
      depsPromise = null;
    });
    return depsPromise;
  };
  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    void work.finally(() => pending.delete(work)).catch(() => undefined);
    return work;
  };
  const treeRunning = (): boolean => {
    const d = store.getState().dialog;
    return (d?.kind === 'tree' && d.phase === 'running') || (d?.kind === 'kill' && d.run !== null && !d.run.done);
  };
  const closeView = (monitor: MonitorStore, view: 'confirm' | 'history'): void => {
    if (topView(monitor.getState()) === view) monitor.getState().popView();
  };

  // "stop (ladder)" from the kill dialog: the ladder runs with the dialog open, showing each
  // rung's progress and each target's fate; Esc leaves it running, the status bar gets the result.
  const runLadder = async (monitor: MonitorStore, d: KillDialogState): Promise<void> => {
    const byPid = new Map(d.targets.map((t) => [t.pid, t.key]));
    const generation = dialogGeneration;
    // Updates only this dialog: one opened after it (Esc, then F9 again) is not ours to change.
    const update = (change: Partial<LadderRunState>): void => {
      if (generation === dialogGeneration) store.getState().updateLadderRun(change);
    };
    update({ progress: `starting ${d.ladderText}…` });
    let message: string;
    try {
      const result = await stopMany(d.targets.map((t) => ({ pid: t.pid, startTime: t.startTime })), d.ladder, await deps(), {
        ...(options.stopPollIntervalMs !== undefined ? { pollIntervalMs: options.stopPollIntervalMs } : {}),
        onProgress: (p) => {
          if (p.phase === 'ended') {
            const key = byPid.get(p.result.pid);
            if (key) update({ fates: { [key]: stopFateText(p.result) } });
          } else update({ progress: ladderProgressText(d.ladder, p) });
        },
      });
      const fates: Record<string, string> = {};
      for (const r of result.results) {
        const key = byPid.get(r.pid);
        if (key) fates[key] = stopFateText(r);
      }
      message = stopSummary(result);
      update({ fates, progress: message, done: true });
      if (result.results.every((r) => r.outcome === 'ended')) monitor.getState().clearSelection();
    } catch (error) {
      message = `stop ladder failed: ${(error as Error).message}`;
      update({ progress: message, done: true });
    }
    monitor.getState().showMessage(message, messageMs);
    // Closed while running (Esc): the status bar carries the result; nothing left to show.
    if (generation === dialogGeneration && topView(monitor.getState()) !== 'confirm') store.getState().closeDialog();
  };

  const controller: ActionsController = {
    store,
    overrides: {
      KILL: (monitor) => controller.openKillDialog(monitor),
      TERMINATE_TREE: (monitor) => controller.openTreeDialog(monitor),
      HISTORY: (monitor) => controller.openHistory(monitor),
      RENICE_UP: (monitor) => void controller.renice(monitor, 1),
      RENICE_DOWN: (monitor) => void controller.renice(monitor, -1),
    },
    viewKeys: {
      confirm: (press: KeyPress, monitor: MonitorStore) => handleConfirmKey(press, monitor, controller),
      history: (press: KeyPress, monitor: MonitorStore) => handleHistoryKey(press, monitor, controller, VIEW_GEOMETRY),
    },

    openKillDialog(monitor) {
      const targets = captureKillTargets(monitor.getState());
      if (typeof targets === 'string') return monitor.getState().showMessage(targets);
      controller.openKillDialogFor(monitor, targets);
    },

    openKillDialogFor(monitor, targets) {
      const m = monitor.getState();
      if (treeRunning()) return m.showMessage('a tree termination or stop ladder is still running; wait for its result');
      dialogGeneration += 1;
      const generation = dialogGeneration;
      store.getState().openKillDialog(targets, options.ladder);
      m.pushView('confirm');
      // Name the targets the guards will refuse (proctop itself, PID 1, kernel threads...) before Enter.
      void deps().then((d) => {
        if (generation !== dialogGeneration) return;
        const refusals = new Map<string, string>();
        for (const t of targets) {
          const row = m.rowsByKey.get(t.key);
          const refusal = refusalFor({ pid: t.pid, startTime: t.startTime, isKernelThread: row?.isKernelThread }, d.self, false);
          if (refusal) refusals.set(t.key, refusal.reason);
        }
        store.getState().markRefusals(refusals);
      }, () => undefined);
    },

    confirmKill(monitor) {
      const d = store.getState().dialog;
      if (d?.kind !== 'kill' || d.sending) return Promise.resolve();
      if (d.run) {
        // Enter on a finished ladder closes it; while it runs, keys wait.
        if (d.run.done) controller.cancelDialog(monitor);
        return Promise.resolve();
      }
      if (d.signalIndex === LADDER_CHOICE) return track(runLadder(monitor, d));
      const signal = PICKER_SIGNALS[d.signalIndex]?.number ?? PICKER_SIGNALS[0]!.number;
      store.getState().setSending(true);
      const work = (async () => {
        let message: string;
        try {
          const result = await killMany(
            d.targets.map((t) => ({ pid: t.pid, startTime: t.startTime })),
            signal,
            await deps(),
            { allOrNothing: false },
          );
          message = killSummary(result);
          if (result.results.every((r) => r.outcome === 'sent')) monitor.getState().clearSelection();
        } catch (error) {
          message = `signal not sent: ${(error as Error).message}`;
        }
        dialogGeneration += 1;
        store.getState().closeDialog();
        closeView(monitor, 'confirm');
        monitor.getState().showMessage(message, messageMs);
      })();
      return track(work);
    },

    openTreeDialog(monitor) {
      const m = monitor.getState();
      if (treeRunning()) return m.showMessage('a tree termination or stop ladder is still running; wait for its result');
      const cursor = cursorRow(m);
      if (!cursor) return m.showMessage('no process under the cursor');
      if (cursor.exited) return m.showMessage(`PID ${cursor.row.pid} has already exited`);
      const root = targetOfRow(cursor.row);
      const generation = ++dialogGeneration;
      store.getState().openTreeDialog(root, { graceMs: options.tree?.graceMs ?? DEFAULT_GRACE_MS, killAfterMs: options.tree?.killAfterMs ?? DEFAULT_KILL_AFTER_MS });
      m.pushView('confirm');
      void track(
        (async () => {
          let plan;
          try {
            plan = await planTree({ pid: root.pid, startTime: root.startTime }, await deps());
          } catch (error) {
            plan = `cannot read the tree: ${(error as Error).message}`;
          }
          if (generation !== dialogGeneration) return;
          if (typeof plan === 'string') {
            store.getState().updateTree({ phase: 'refused', refusal: plan, progress: '' });
            return;
          }
          const now = monitor.getState();
          const members = plan.members.map((member) => memberLine(member, now, plan.spared.get(member.pid) ?? null));
          store.getState().updateTree({ phase: 'confirm', members, progress: '' });
        })(),
      );
    },

    confirmTree(monitor) {
      const d = store.getState().dialog;
      if (d?.kind !== 'tree' || d.phase !== 'confirm') return Promise.resolve();
      store.getState().updateTree({ phase: 'running', progress: 'starting…' });
      const work = (async () => {
        let message: string;
        try {
          const result = await terminateTree({ pid: d.root.pid, startTime: d.root.startTime }, {
            ...options.tree,
            graceMs: d.windows.graceMs,
            killAfterMs: d.windows.killAfterMs,
            onProgress: (progress) => store.getState().updateTree({ progress: treeProgressText(progress) }),
          }, await deps());
          message = treeSummary(result);
          store.getState().updateTree({ phase: 'done', members: withFates(d.members, result, monitor.getState()), progress: message });
        } catch (error) {
          message = `tree termination failed: ${(error as Error).message}`;
          store.getState().updateTree({ phase: 'done', progress: message });
        }
        monitor.getState().showMessage(message, messageMs);
        // Closed while running (Esc): the status bar carries the result; nothing left to show.
        if (topView(monitor.getState()) !== 'confirm') store.getState().closeDialog();
      })();
      return track(work);
    },

    cancelDialog(monitor) {
      const d = store.getState().dialog;
      if (d?.kind === 'kill' && d.run && !d.run.done) {
        closeView(monitor, 'confirm');
        monitor.getState().showMessage('the stop ladder goes on in the background; its result will show here', messageMs);
        return;
      }
      if (d?.kind === 'kill' && d.sending) return;
      closeView(monitor, 'confirm');
      if (d?.kind === 'tree' && d.phase === 'running') {
        monitor.getState().showMessage('tree termination goes on in the background; its result will show here', messageMs);
        return;
      }
      dialogGeneration += 1;
      store.getState().closeDialog();
    },

    renice(monitor, delta) {
      const targets = captureKillTargets(monitor.getState());
      if (typeof targets === 'string') {
        monitor.getState().showMessage(targets);
        return Promise.resolve();
      }
      const work = (async () => {
        let message: string;
        try {
          // As before the CLI existed: refused targets are skipped (the others still change), ancestors allowed.
          const result = await reniceMany(targets.map((t) => ({ pid: t.pid, startTime: t.startTime })), delta, await deps(), {
            force: true,
            allOrNothing: false,
          });
          message = reniceSummary(result);
        } catch (error) {
          message = `renice failed: ${(error as Error).message}`;
        }
        monitor.getState().showMessage(message, messageMs);
      })();
      return track(work);
    },

    openHistory(monitor) {
      store.getState().startHistoryLoad();
      monitor.getState().pushView('history');
      void track(
        readRecentActions(options.historyLimit ?? 200, auditPath).then(
          (records) => store.getState().historyLoaded(records, null),
          (error: Error) => store.getState().historyLoaded([], `cannot read ${auditPath ?? 'the audit log'}: ${error.message}`),
        ),
      );
    },

    closeHistory(monitor) {
      closeView(monitor, 'history');
    },

    busy() {
      return pending.size > 0;
    },

    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
  return controller;
}
