import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { MonitorActions, MonitorState, MonitorStore } from './monitor-store.js';

/** The store of the running app (a fresh one per app instance and per test render). */
export const MonitorStoreContext = createContext<MonitorStore | null>(null);

/** Reads one value from the app's store; re-renders only when that value changes. */
export function useMonitor<T>(select: (state: MonitorState & MonitorActions) => T): T {
  const store = useContext(MonitorStoreContext);
  if (!store) throw new Error('useMonitor needs a <MonitorStoreContext.Provider>');
  return useStore(store, select);
}
