// The column chooser (F2, htop's Setup screen): keys as data, and what they do.
import type { ProctopConfig } from '../config/config.js';
import type { MonitorStore } from '../store/monitor-store.js';
import type { KeyPress } from './decode-key.js';
import { viewCommandFor, type ViewKeyInfo } from './inspect-bindings.js';

export type ChooserCommand = 'CHOOSER_UP' | 'CHOOSER_DOWN' | 'CHOOSER_TOP' | 'CHOOSER_TOGGLE' | 'CHOOSER_DONE' | 'CHOOSER_QUIT';

export const CHOOSER_BINDINGS: Readonly<Record<ChooserCommand, ViewKeyInfo>> = {
  CHOOSER_UP: { bindings: [{ key: 'up' }, { key: 'k' }], description: 'previous column' },
  CHOOSER_DOWN: { bindings: [{ key: 'down' }, { key: 'j' }], description: 'next column' },
  CHOOSER_TOP: { bindings: [{ key: 'home' }, { key: 'g' }], description: 'first column' },
  CHOOSER_TOGGLE: { bindings: [{ key: 'space' }, { key: 'return' }], description: 'show / hide the column' },
  CHOOSER_DONE: { bindings: [{ key: 'escape' }, { key: 'q' }, { key: 'f2' }, { key: 'S' }], description: 'back to the list, saving columns, sort and interval' },
  CHOOSER_QUIT: { bindings: [{ key: 'c', ctrl: true }, { key: 'f10' }], description: 'quit proctop' },
};

/** What the chooser persists: the config file's columns, sort and interval. */
export type SaveColumns = (patch: Pick<ProctopConfig, 'columns' | 'sort' | 'intervalMs'>) => Promise<void>;

/** Handles a key while the chooser is on top. */
export function handleChooserKey(press: KeyPress, store: MonitorStore, save: SaveColumns): void {
  const s = store.getState();
  switch (viewCommandFor(press, CHOOSER_BINDINGS)) {
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
