// A drop-in for Ink's Output (the stage that turns a laid-out frame into text) that redraws only
// rows whose content changed since the last frame. Ink's own Output allocates a styled object for
// every cell of the screen and tokenizes every line on every render: at 120x40 that was most of
// proctop's per-refresh CPU (and its garbage). A monitor's frame changes in a few rows, so rows
// are keyed by what was written into them and a row seen in the previous frame is reused as text.
// Rows that changed are drawn by row-text.ts, cell for cell and code for code as Ink draws them;
// frames with clipping are left to Ink's own Output. scripts/ink-patches-plugin.mjs swaps this
// in when bundling; test/ink-patches.test.ts checks it against Ink's Output.
import type { RowDrawer } from './row-text.js';

/** The shape of Ink's Output class that renderer.js and render-node-to-output.js use. */
export interface InkOutputLike {
  write(x: number, y: number, text: string, options: { transformers: OutputTransformer[] }): void;
  clip(clip: unknown): void;
  unclip(): void;
  get(): { output: string; height: number };
}
export type OutputTransformer = (line: string, index: number) => string;
export type InkOutputClass = new (options: { width: number; height: number }) => InkOutputLike;

type Operation =
  | { readonly type: 'write'; readonly x: number; readonly y: number; readonly text: string; readonly transformers: OutputTransformer[] }
  | { readonly type: 'clip'; readonly clip: unknown }
  | { readonly type: 'unclip' };

/** Separates the parts of a row key (each line is prefixed by its length, so text holding it cannot collide). */
const KEY_SEPARATOR = '\u0000';

export function createRowMemoOutput(InkOutput: InkOutputClass, drawRow: RowDrawer): InkOutputClass {
  // Two generations: rows drawn in the last frame and in this one. Memory stays at two screens.
  let previousRows = new Map<string, string>();
  let currentRows = new Map<string, string>();

  function rowText(width: number, key: string, segments: readonly (number | string)[]): string {
    const text = currentRows.get(key) ?? previousRows.get(key) ?? drawRow(width, segments);
    currentRows.set(key, text);
    return text;
  }

  return class RowMemoOutput implements InkOutputLike {
    private readonly operations: Operation[] = [];

    constructor(private readonly options: { width: number; height: number }) {}

    write(x: number, y: number, text: string, options: { transformers: OutputTransformer[] }): void {
      if (!text) return;
      this.operations.push({ type: 'write', x, y, text, transformers: options.transformers });
    }

    clip(clip: unknown): void {
      this.operations.push({ type: 'clip', clip });
    }

    unclip(): void {
      this.operations.push({ type: 'unclip' });
    }

    get(): { output: string; height: number } {
      const { width, height } = this.options;
      const rows = this.segmentsByRow();
      if (rows === null) return this.replayed();
      const lines = new Array<string>(height);
      for (let y = 0; y < height; y++) {
        const segments = rows[y];
        if (segments === undefined) {
          lines[y] = '';
          continue;
        }
        let key = String(width);
        for (let i = 0; i < segments.length; i += 2) {
          const line = segments[i + 1] as string;
          key += `${KEY_SEPARATOR}${segments[i] as number}${KEY_SEPARATOR}${line.length}${KEY_SEPARATOR}${line}`;
        }
        lines[y] = rowText(width, key, segments);
      }
      previousRows = currentRows;
      currentRows = new Map();
      return { output: lines.join('\n'), height };
    }

    /**
     * What each row receives, in write order, as flat [x, line, x, line...] with transformers
     * applied (the same walk as Ink's Output.get). null when the frame uses something the row
     * cache does not model (clipping, or a transformer that adds a line break).
     */
    private segmentsByRow(): (number | string)[][] | null {
      const rows: (number | string)[][] = [];
      const { height } = this.options;
      for (const operation of this.operations) {
        if (operation.type !== 'write') return null;
        const { x, y, text, transformers } = operation;
        let offsetY = 0;
        const lines = text.split('\n');
        for (let index = 0; index < lines.length; index++) {
          const row = y + offsetY;
          // Ink skips a line that falls outside the frame without advancing (and so all after it).
          if (!Number.isInteger(row) || row < 0 || row >= height) continue;
          let line = lines[index]!;
          for (const transformer of transformers) line = transformer(line, index);
          if (line.includes('\n')) return null;
          (rows[row] ??= []).push(x, line);
          offsetY++;
        }
      }
      return rows;
    }

    /** Ink's own drawing of the whole frame, for frames the row cache does not model. */
    private replayed(): { output: string; height: number } {
      const output = new InkOutput(this.options);
      for (const operation of this.operations) {
        if (operation.type === 'write') output.write(operation.x, operation.y, operation.text, { transformers: operation.transformers });
        else if (operation.type === 'clip') output.clip(operation.clip);
        else output.unclip();
      }
      return output.get();
    }
  };
}
