import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createTrackedStore, type TrackedActions, type TrackedState, type TrackedStore } from './tracked-store.js';

/** The tracked view's store of the running app; absent in renders without a registry. */
export const TrackedStoreContext = createContext<TrackedStore | null>(null);

// Stands in when no store is provided (a bare MonitorApp in tests): nothing ever writes to it.
const IDLE_TRACKED_STORE = createTrackedStore();

/** Reads one value from the tracked store; re-renders only when that value changes. */
export function useTracked<T>(select: (state: TrackedState & TrackedActions) => T): T {
  return useStore(useContext(TrackedStoreContext) ?? IDLE_TRACKED_STORE, select);
}
