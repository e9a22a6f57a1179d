// Screen geometry, shared by the store (paging, scrolling) and the components (drawing), so the
// rows the store scrolls over are exactly the rows the table draws.

/** How the screen is split for one terminal size. */
export interface ScreenLayout {
  readonly columns: number;
  /** Lines proctop draws: one less than the terminal so Ink never clears the whole screen each frame. */
  readonly lines: number;
  /** Header style: full meters side by side, a narrow stack, a one-line summary, or nothing. */
  readonly header: 'wide' | 'narrow' | 'summary' | 'none';
  /** CPU meters in the wide header: one per CPU, two per line, or one folded total bar. */
  readonly cpuMeters: 'per-cpu' | 'per-cpu-pairs' | 'total';
  readonly headerLines: number;
  /** Data rows of the process table (its title line not counted). */
  readonly tableRows: number;
  readonly statusLines: number;
}

const WIDE_RIGHT_LINES = 4; // tasks, load, uptime, CPU history

/** The layout for a terminal of `columns` × `rows` with `cpuCount` CPUs. Never negative, never throws. */
export function computeLayout(columns: number, rows: number, cpuCount: number): ScreenLayout {
  const cols = Math.max(1, Math.floor(columns));
  const lines = Math.max(1, Math.floor(rows) - 1);
  const statusLines = 1;
  let header: ScreenLayout['header'] = 'none';
  let cpuMeters: ScreenLayout['cpuMeters'] = 'total';
  let headerLines = 0;
  if (cols >= 80 && lines >= 20) {
    header = 'wide';
    const budget = Math.max(2, Math.floor(lines / 3) - 2);
    const cpus = Math.max(1, cpuCount);
    if (cpus <= budget) cpuMeters = 'per-cpu';
    else if (Math.ceil(cpus / 2) <= budget) cpuMeters = 'per-cpu-pairs';
    const cpuLines = cpuMeters === 'per-cpu' ? cpus : cpuMeters === 'per-cpu-pairs' ? Math.ceil(cpus / 2) : 1;
    headerLines = Math.max(cpuLines + 2, WIDE_RIGHT_LINES);
  } else if (cols >= 40 && lines >= 15) {
    header = 'narrow';
    headerLines = 4; // CPU bar + sparkline, memory, swap, tasks/load
  } else if (cols >= 30 && lines >= 8) {
    header = 'summary';
    headerLines = 1;
  }
  const tableRows = Math.max(0, lines - headerLines - statusLines - 1);
  return { columns: cols, lines, header, cpuMeters, headerLines, tableRows, statusLines };
}
