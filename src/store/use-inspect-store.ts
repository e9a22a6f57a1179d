import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createInspectStore, type InspectActions, type InspectState, type InspectStore } from './inspect-store.js';

/** The drill-down views' store of the running app; absent in renders that do not inspect. */
export const InspectStoreContext = createContext<InspectStore | null>(null);

// Stands in when no store is provided (a bare MonitorApp in tests): nothing ever writes to it.
const IDLE_INSPECT_STORE = createInspectStore();

/** Reads one value from the inspect store; re-renders only when that value changes. */
export function useInspect<T>(select: (state: InspectState & InspectActions) => T): T {
  return useStore(useContext(InspectStoreContext) ?? IDLE_INSPECT_STORE, select);
}

/** True when the app was given an inspect store (the detail view then shows the captured target). */
export function useHasInspectStore(): boolean {
  return useContext(InspectStoreContext) !== null;
}
