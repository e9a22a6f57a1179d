import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createActionsStore, type ActionsActions, type ActionsState, type ActionsStore } from './actions-store.js';

/** The acting views' store of the running app (kill and tree dialogs, history). */
export const ActionsStoreContext = createContext<ActionsStore | null>(null);

// Stands in when no store is provided (a bare MonitorApp in tests): nothing ever writes to it.
const IDLE_ACTIONS_STORE = createActionsStore();

/** Reads one value from the actions store; re-renders only when that value changes. */
export function useActions<T>(select: (state: ActionsState & ActionsActions) => T): T {
  return useStore(useContext(ActionsStoreContext) ?? IDLE_ACTIONS_STORE, select);
}
