// What the interactive monitor and --watch run with; the flags that make it are parsed with the
// commands (src/commands/monitor-options.ts).
import type { ColumnId } from '../config/columns.js';
import type { ListenAddress } from '../metrics/listen-address.js';

/** The monitor's options, from flags, environment and the config file. */
export interface MonitorOptions {
  readonly intervalMs: number;
  readonly sortColumn: ColumnId;
  /** Chosen list columns from the config file (null: the defaults). */
  readonly columns: readonly ColumnId[] | null;
  readonly filter: string;
  readonly user: string | null;
  readonly tree: boolean;
  /** False with --no-color or a non-empty NO_COLOR. */
  readonly color: boolean;
  readonly watch: boolean;
  /** Stop after this many refreshes (--watch to a pipe); null = run until stopped. */
  readonly iterations: number | null;
  /** With --watch: serve /metrics (process-exporter families by comm) at this address from the pane's samples. */
  readonly metrics: ListenAddress | null;
  readonly help: boolean;
  /** Mouse clicks and wheel (false with --no-mouse or config "mouse": false). */
  readonly mouse: boolean;
}
