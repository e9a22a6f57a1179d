// The column chooser's text, line by line. Pure: ColumnChooser only draws it.
import { COLUMN_IDS, EXTRA_COLUMN_IDS, FIXED_COLUMN_IDS, type ColumnId } from '../config/columns.js';
import { fit } from '../output/format.js';
import { columnTitle } from './table-columns.js';

export interface ChooserLine {
  readonly text: string;
  readonly title: boolean;
  readonly cursor: boolean;
}

const NOTES: Readonly<Partial<Record<ColumnId, string>>> = {
  pid: 'always shown',
  cpu: 'always shown',
  command: 'always shown',
  io_read: 'storage bytes read per second (/proc/PID/io; another user\'s process shows -)',
  io_write: 'storage bytes written per second',
  ctxsw: 'context switches per second (voluntary + involuntary)',
  cgroup: 'container, systemd unit or slice, else the cgroup path',
};

/** One line per column, `[x]` when on; the cursor line is marked. */
export function chooserLines(visible: readonly ColumnId[], index: number, width: number, height: number, hint: string): ChooserLine[] {
  const lines: ChooserLine[] = [
    { text: fit('Columns (shown as the width allows; saved with sort and interval to the config file)', width).trimEnd(), title: true, cursor: false },
    { text: fit(hint, width).trimEnd(), title: false, cursor: false },
    { text: '', title: false, cursor: false },
  ];
  COLUMN_IDS.forEach((id, i) => {
    const on = visible.includes(id) || FIXED_COLUMN_IDS.includes(id);
    const extra = EXTRA_COLUMN_IDS.includes(id) ? ' (extra reads per refresh)' : '';
    const text = `${i === index ? '>' : ' '} [${on ? 'x' : ' '}] ${columnTitle(id).padEnd(8)} ${NOTES[id] ?? ''}${extra}`;
    lines.push({ text: fit(text, width).trimEnd(), title: false, cursor: i === index });
  });
  return lines.slice(0, Math.max(1, height));
}
