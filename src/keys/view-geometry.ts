// What the key and mouse handlers must know about what the views draw: scroll ranges and where a
// column title sits. The views provide it (src/components/view-geometry.ts) and the app hands it
// in, so the handlers stay below the views and never import one.
import type { ColumnId } from '../config/columns.js';
import type { ActionsState } from '../store/actions-store.js';
import type { InspectState } from '../store/inspect-store.js';
import type { MonitorState } from '../store/monitor-store.js';

export interface ViewGeometry {
  /** Lines the history view has for the current history: its scroll range. */
  historyLineCount(actions: ActionsState): number;
  /** Body lines (below the title) the details view has at the screen's width: its scroll range. */
  detailBodyLength(monitor: MonitorState, inspect: InspectState): number;
  /** The sortable column whose title is drawn at screen column x of the process list, or null. */
  titleColumnAt(monitor: MonitorState, x: number): ColumnId | null;
}
