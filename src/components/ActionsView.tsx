import React from 'react';
import { useActions } from '../store/use-actions-store.js';
import { HistoryView } from './HistoryView.js';
import { KillDialog } from './KillDialog.js';
import { TreeDialog } from './TreeDialog.js';

/** The acting views: 'confirm' shows the open kill or tree dialog, 'history' the action history. */
export function ActionsView({ view }: { readonly view: 'confirm' | 'history' }): React.JSX.Element | null {
  const kind = useActions((s) => s.dialog?.kind ?? null);
  if (view === 'history') return <HistoryView />;
  return kind === 'tree' ? <TreeDialog /> : <KillDialog />;
}
