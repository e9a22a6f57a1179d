// The views' side of ViewGeometry (src/keys/view-geometry.ts): the same functions that draw the
// history, the details and the table's title line measure them for the key and mouse handlers.
import type { ViewGeometry } from '../keys/view-geometry.js';
import { historyLines } from './action-messages.js';
import { detailBodyLength } from './detail-lines.js';
import { columnAt, screenColumns } from './table-columns.js';

export const VIEW_GEOMETRY: ViewGeometry = {
  historyLineCount: (actions) => historyLines(actions.history.entries).length,
  detailBodyLength: (s, i) =>
    detailBodyLength(
      { row: i.lastRow, exited: i.exited, rowsByKey: s.rowsByKey, cwd: i.cwd, exe: i.exe, listing: i.listing, listingFailure: i.listingFailure, history: i.history, inspection: i.inspection, deepRead: i.deepRead },
      s.layout.columns,
    ),
  titleColumnAt: (s, x) => {
    // The columns the table draws (ProcessTable's screenColumns call: TRACK while a tracked row shows).
    const visible = s.display.slice(s.scrollTop, s.scrollTop + s.layout.tableRows);
    return columnAt(screenColumns(s.layout.columns, s.visibleColumns, visible, s.tracked), s.layout.columns, x);
  },
};
