import React from 'react';
import { Box } from 'ink';
import type { CommandOverrides, ViewKeyHandlers } from '../keys/dispatch.js';
import { useKeyInput } from '../keys/use-key-input.js';
import { VIEW_GEOMETRY } from './view-geometry.js';
import { topView, type MonitorStore } from '../store/monitor-store.js';
import { MonitorStoreContext, useMonitor } from '../store/use-monitor-store.js';
import type { InspectStore } from '../store/inspect-store.js';
import { InspectStoreContext } from '../store/use-inspect-store.js';
import { ActionsView } from './ActionsView.js';
import { ColumnChooser } from './ColumnChooser.js';
import { DetailView } from './DetailView.js';
import { FdView } from './FdView.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { ProcessTable } from './ProcessTable.js';
import { StatusBar } from './StatusBar.js';
import { TrackedView, TrackFormView } from './TrackedView.js';

export interface MonitorAppProps {
  /** The app's own store (fresh per app instance and per test). */
  readonly store: MonitorStore;
  /** State of the details and open-files views (absent: details show the cursor's process only). */
  readonly inspect?: InspectStore;
  /** Controllers (open files, signals, history) plugged in for the commands that need the OS. */
  readonly overrides?: CommandOverrides;
  /** Key handlers of the views features add (they get every key while on top). */
  readonly viewKeys?: ViewKeyHandlers;
  /** Clicks and the wheel act (the terminal was asked for mouse reports); false with --no-mouse. */
  readonly mouse?: boolean;
}

/** The body for the view on top of the stack; one component per view. */
function Body(): React.JSX.Element {
  const view = useMonitor(topView);
  switch (view) {
    case 'help':
      return <HelpOverlay />;
    case 'detail':
      return <DetailView />;
    case 'fds':
      return <FdView />;
    case 'columns':
      return <ColumnChooser />;
    case 'confirm':
    case 'history':
      return <ActionsView view={view} />;
    case 'tracked':
      return <TrackedView />;
    case 'track-form':
      return <TrackFormView />;
    default:
      return (
        <>
          <Header />
          <ProcessTable />
        </>
      );
  }
}

function Screen({ store, overrides, viewKeys, mouse }: MonitorAppProps): React.JSX.Element {
  useKeyInput(store, VIEW_GEOMETRY, overrides, viewKeys, mouse);
  const lines = useMonitor((s) => s.layout.lines);
  const columns = useMonitor((s) => s.layout.columns);
  return (
    <Box flexDirection="column" height={lines} width={columns}>
      <Box flexDirection="column" flexGrow={1}>
        <Body />
      </Box>
      <StatusBar />
    </Box>
  );
}

/** The whole TUI: header, table (or an overlay view) and status bar. */
export function MonitorApp({ store, overrides, viewKeys, inspect, mouse }: MonitorAppProps): React.JSX.Element {
  return (
    <MonitorStoreContext.Provider value={store}>
      <InspectStoreContext.Provider value={inspect ?? null}>
        <Screen store={store} overrides={overrides} viewKeys={viewKeys} mouse={mouse} />
      </InspectStoreContext.Provider>
    </MonitorStoreContext.Provider>
  );
}
