// Wires the full-screen TUI: store, sampling loop, Ink render, terminal lifecycle.
import React from 'react';
import { writeFileSync } from 'node:fs';
import { render, renderToString, type Instance } from 'ink';
import { MonitorApp } from '../components/MonitorApp.js';
import type { CommandOverrides, ViewKeyHandlers } from '../keys/dispatch.js';
import { ColumnExtrasSource } from '../sampler/column-extras.js';
import { handleChooserKey } from '../keys/chooser-keys.js';
import { saveConfig } from '../config/config.js';
import { createMonitorStore } from '../store/monitor-store.js';
import { ActionsStoreContext } from '../store/use-actions-store.js';
import { createActionsController } from './actions-controller.js';
import { inspectOverrides, inspectViewKeys } from '../keys/inspect-keys.js';
import { VIEW_GEOMETRY } from '../components/view-geometry.js';
import { createInspectStore } from '../store/inspect-store.js';
import type { Collector } from '../sys/types.js';
import { collectorSources, InspectRefresher } from './inspect-refresher.js';
import { VisibleRssReader } from './visible-rss.js';
import { readExactRss } from '../sampler/exact-rss.js';
import type { MonitorOptions } from './monitor-options.js';
import { SamplingLoop } from './sampling-loop.js';
import type { FrameSource } from '../sampler/types.js';
import { enterFullScreen, FALLBACK_COLUMNS, FALLBACK_ROWS, sizeUnsizedTerminal } from './terminal.js';
import { createTrackingController } from './tracking-controller.js';
import { Registry } from '../registry/registry.js';
import { TrackedStoreContext } from '../store/use-tracked-store.js';
import { markStartup, startupNowMs, startupReportText } from '../util/startup-trace.js';
import { preferSmallHeap, tuneTieringForScreen } from '../util/v8-tiering.js';
import { saveCodeCache } from '../util/main-script.js';
import { settledWithin } from '../util/settled-within.js';
import { writeCodeCacheFile } from '../storage/atomic-write.js';

export interface InteractiveSetup {
  readonly options: MonitorOptions;
  readonly source: FrameSource;
  readonly backend: string;
  /** Shown once in the status bar (e.g. "using the JS fallback backend: ..."). */
  readonly notice: string | null;
  readonly overrides?: CommandOverrides;
  readonly viewKeys?: ViewKeyHandlers;
  /** The OS boundary for the details/open-files views and the :PORT filter (absent: they get no OS data). */
  readonly collector?: Collector;
}

/** How long quitting waits for a code cache write under way (it takes a few ms on a local disk). */
const CODE_CACHE_WRITE_WAIT_MS = 2000;

/**
 * How long the first render waits for the first frame with CPU figures (two snapshots 100 ms
 * apart, between their reads' midpoints) before drawing what there is ("sampling…",
 * or the first snapshot at 0%).
 */
const FIRST_FULL_FRAME_WAIT_MS = 250;

/**
 * Warming the first render (warmFirstRender) costs the JS thread what a cold render does (120x40,
 * 1,000 processes: 25–30 ms here, most of it compiling React's, Ink's and yoga's code on first use)
 * and takes ~10 ms off the real one (~15 ms cold, ~5 warm): worth it while the second snapshot is
 * due at least this much later, so that it can hold the second read up by no more than it saves.
 */
const WARM_UP_MIN_MS = 20;

/**
 * Renders `screen` once off-screen (Ink's renderToString: no terminal, no listeners, effects run
 * and are cleaned up) while the JS thread would otherwise idle until the second snapshot, so the
 * real first render runs warm code: on a quiet box the first full frame comes ~10 ms sooner.
 * `msUntilSecond`: how long until the second snapshot is due (SamplingLoop.msUntilSecondSample).
 * A failure here is left for the real render to show.
 */
function warmFirstRender(screen: React.JSX.Element, columns: number, msUntilSecond: number | null): void {
  if (msUntilSecond === null || msUntilSecond < WARM_UP_MIN_MS) return;
  try {
    renderToString(screen, { columns });
  } catch {
    // the real render meets the same error and shows it
  }
  markStartup('warm-done');
}

/** Runs the TUI until quit; always leaves the terminal as it found it. Returns the exit code. */
export async function runInteractive(setup: InteractiveSetup): Promise<number> {
  const { options } = setup;
  const stdout = process.stdout;
  sizeUnsizedTerminal(stdout);
  const store = createMonitorStore({
    mode: options.watch ? 'watch' : 'interactive',
    backend: setup.backend,
    intervalMs: options.intervalMs,
    sortColumn: options.sortColumn,
    visibleColumns: options.columns ?? undefined,
    filter: options.filter,
    userFilter: options.user,
    tree: options.tree,
    color: options.color,
    columns: stdout.columns || FALLBACK_COLUMNS,
    rows: stdout.rows || FALLBACK_ROWS,
  });
  if (setup.notice) store.getState().showMessage(setup.notice, 8000);
  const session = enterFullScreen(process.stdin, 1, { mouse: options.mouse });
  // The optional list columns (F2) add their reads to each frame only while one is on.
  const source = setup.collector ? new ColumnExtrasSource(setup.source, setup.collector, () => store.getState().visibleColumns) : setup.source;
  const loop = new SamplingLoop(source, store, {
    onError: (error) => store.getState().showMessage(`sampling failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  const startupReport = process.env.PROCTOP_STARTUP_REPORT;
  let reported = false;
  let framesWithCpu = 0;
  // Kill dialog, tree termination and history (their keys answer "read-only" in --watch via dispatch).
  const actions = createActionsController();
  // Details, open files and the :PORT filter (read-only: they work in --watch too).
  const inspect = createInspectStore();
  const refresher = setup.collector ? new InspectRefresher(store, inspect, collectorSources(setup.collector)) : null;
  // The RSS column and the details view show the exact figure ps shows, read for the rows on screen only.
  const collector = setup.collector;
  const rssReader = collector ? new VisibleRssReader(store, (rows) => readExactRss(collector, rows)) : null;
  // Tracked processes: TRACK column, tag:/group:/name: filter tokens, the track form and the tracked view.
  const tracking = createTrackingController({ registry: () => Registry.open(collector ? { collector } : {}), actions });
  const overrides: CommandOverrides = { ...inspectOverrides(inspect), ...actions.overrides, ...tracking.overrides, ...setup.overrides };
  const viewKeys: ViewKeyHandlers = {
    ...inspectViewKeys(inspect, VIEW_GEOMETRY),
    ...actions.viewKeys,
    ...tracking.viewKeys,
    columns: (press, monitor) => handleChooserKey(press, monitor, (patch) => saveConfig(patch)),
    ...setup.viewKeys,
  };
  const unsubscribe = store.subscribe((state, previous) => {
    // Resume and interval changes take effect now, not after the old interval.
    if ((previous.paused && !state.paused) || state.intervalMs !== previous.intervalMs) loop.now();
    // --watch --iterations N on a terminal: stop after N refreshes with CPU figures, like the piped mode.
    if (options.iterations !== null && state.frame !== previous.frame && (state.frame?.intervalMs ?? 0) > 0) {
      framesWithCpu += 1;
      if (framesWithCpu >= options.iterations) state.requestQuit();
    }
  });
  const onResize = (): void => {
    sizeUnsizedTerminal(stdout);
    store.getState().resize(stdout.columns || FALLBACK_COLUMNS, stdout.rows || FALLBACK_ROWS);
  };
  let app: Instance | null = null;
  let codeCacheSaved: Promise<unknown> = Promise.resolve();
  try {
    // The first snapshot was started before Ink loaded and is usually done by now, the second
    // (CPU figures) due soon after: wait for it, so the first screen is the full one (one render
    // on the way to it, not two, warmed off-screen meanwhile if there is time). Nothing else reads
    // meanwhile: the readers below start once that screen is drawn, so their reads never delay it.
    loop.start();
    const screen = (
      <ActionsStoreContext.Provider value={actions.store}>
        <TrackedStoreContext.Provider value={tracking.store}>
          <MonitorApp store={store} inspect={inspect} overrides={overrides} viewKeys={viewKeys} mouse={options.mouse} />
        </TrackedStoreContext.Provider>
      </ActionsStoreContext.Provider>
    );
    await loop.firstFrame(FIRST_FULL_FRAME_WAIT_MS);
    warmFirstRender(screen, stdout.columns || FALLBACK_COLUMNS, loop.msUntilSecondSample());
    await loop.firstFullFrame(FIRST_FULL_FRAME_WAIT_MS);
    markStartup('render-start');
    app = render(screen, {
      exitOnCtrlC: false,
      patchConsole: false,
      // Bench hook: record when the first frame with real CPU figures reached the terminal.
      onRender: startupReport
        ? () => {
            const frame = store.getState().frame;
            if (reported || !frame || frame.intervalMs <= 0) return;
            reported = true;
            writeFileSync(startupReport, startupReportText(startupNowMs(), frame.intervalMs));
          }
        : undefined,
    });
    // After the first screen: the details view's refresher, the TRACK column's registry reads and
    // the exact RSS of the rows on screen (until it arrives, a row shows the snapshot's RSS).
    refresher?.start();
    tracking.attach(store);
    rssReader?.start();
    // The code the first frame ran, compiled, for the next start (when there was no usable code
    // cache); made before the V8 flags below change, as a cache holds the flags it was made under.
    codeCacheSaved = saveCodeCache(writeCodeCacheFile, 'monitor');
    // The code each refresh runs is optimized after a few refreshes, not from the first one's paths.
    void tuneTieringForScreen().catch(() => undefined);
    // The heap is kept small from here on, not while the first frame's modules load (preferSmallHeap).
    void preferSmallHeap().catch(() => undefined);
    // Before Ink's own listener, so Ink never reads a 0×0 size (see sizeUnsizedTerminal).
    stdout.prependListener('resize', onResize);
    await new Promise<void>((resolve) => {
      if (store.getState().quitRequested) resolve();
      const stop = store.subscribe((state) => {
        if (state.quitRequested) {
          stop();
          resolve();
        }
      });
    });
    // Never exit in the middle of a tree termination: its members could stay stopped.
    if (actions.busy()) {
      store.getState().showMessage('quitting after the running action finishes…', 60_000);
      await actions.idle();
    }
  } finally {
    // Stop sampling first so nothing draws after the screen is restored, and stop reading
    // stdin so keys typed right after quitting reach the shell, not us.
    unsubscribe();
    stdout.off('resize', onResize);
    await loop.stop();
    await refresher?.stop();
    await tracking.stop();
    await rssReader?.stop();
    app?.unmount();
    process.stdin.pause();
    session.restore();
    // A code cache still being written when the user quits at once is finished (a local write of
    // ~1 MB), but never waited for longer than CODE_CACHE_WRITE_WAIT_MS.
    await settledWithin(codeCacheSaved, CODE_CACHE_WRITE_WAIT_MS);
  }
  return 0;
}
