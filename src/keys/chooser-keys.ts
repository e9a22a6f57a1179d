// What the column chooser's keys (context 'columns' of the key table) do.
import type { ProctopConfig } from '../config/config.js';
import type { MonitorStore } from '../store/monitor-store.js';
import type { KeyPress } from './decode-key.js';
import { commandFor } from './bindings.js';

/** What the chooser persists: the config file's columns, sort and interval. */
export type SaveColumns = (patch: Pick<ProctopConfig, 'columns' | 'sort' | 'intervalMs'>) => Promise<void>;

/** Handles a key while the chooser is on top. */
export function handleChooserKey(press: KeyPress, store: MonitorStore, save: SaveColumns): void {
  const s = store.getState();
  switch (commandFor(press, 'columns')) {
    case 'CHOOSER_UP':
      return s.moveChooser(-1);
    case 'CHOOSER_DOWN':
      return s.moveChooser(1);
    case 'CHOOSER_TOP':
      return s.moveChooser(-s.chooserIndex);
    case 'CHOOSER_TOGGLE':
      return s.toggleChosenColumn();
    case 'CHOOSER_DONE': {
      s.popView();
      const patch = { columns: s.visibleColumns, sort: s.sortColumn, intervalMs: s.intervalMs };
      save(patch).then(
        () => store.getState().showMessage('columns, sort and interval saved to the config file'),
        (error: unknown) => store.getState().showMessage(`could not save the config: ${error instanceof Error ? error.message : String(error)}`),
      );
      return undefined;
    }
    case 'CHOOSER_QUIT':
      return s.requestQuit();
    default:
      return undefined;
  }
}
