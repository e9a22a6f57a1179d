// Draws one row of a frame the way Ink's Output.get draws each row (same cells, same escape codes),
// without its per-cell costs: Ink tokenizes every line with grapheme segmentation, copies the
// style list into every cell, measures every character with string-width and diffs styles between
// every pair of neighbouring cells (three Sets each). Here text of one-column characters and SGR
// codes is walked directly, cells of one run share one style list, and runs are diffed once.
// Anything else (wide characters, emoji, other escapes) goes through Ink's own tokenizer.
import { isOneColumnText, oneColumnWidth, SGR_SEQUENCE } from './text-width.js';
import { TwoGenerationCache } from './text-caches.js';
import { referenceArray } from '../util/reference-array.js';

/** The parts of @alcalzone/ansi-tokenize (Ink's tokenizer) that a row needs. */
export interface AnsiCode {
  readonly type: 'ansi';
  readonly code: string;
  readonly endCode: string;
}
export interface AnsiTokenizer {
  tokenize(text: string): readonly ({ readonly type: 'ansi'; readonly code: string; readonly endCode: string } | { readonly type: 'char'; readonly value: string })[];
  styledCharsFromTokens(tokens: ReturnType<AnsiTokenizer['tokenize']>): readonly { readonly value: string; readonly styles: readonly AnsiCode[] }[];
  reduceAnsiCodesIncremental(codes: readonly AnsiCode[], newCodes: readonly AnsiCode[]): AnsiCode[];
  diffAnsiCodes(from: readonly AnsiCode[], to: readonly AnsiCode[]): AnsiCode[];
  ansiCodesToString(codes: readonly AnsiCode[]): string;
}

// An array of references like every other style list, not `[]`: one array map in the drawing loops.
const NO_STYLES: readonly AnsiCode[] = referenceArray<AnsiCode>();

/**
 * A row's cells as two parallel arrays (the character, its style list) instead of an object per
 * cell: a refresh redraws most rows on screen, and a cell object per column was the largest part
 * of a redrawn row's garbage. An index never written (a write that started past the row's end)
 * stays a hole, as in Ink's row.
 */
interface Cells {
  readonly values: string[];
  readonly styles: (readonly AnsiCode[])[];
}

/** Draws a row from flat [x, line, x, line...] writes (line already transformed), as Ink would. */
export type RowDrawer = (width: number, segments: readonly (number | string)[]) => string;

/**
 * `knownEscapes`: Ink's tokens for escape sequences, worked out ahead (the build tokenizes every
 * one-number SGR sequence with Ink's own tokenizer: scripts/sgr-table.mjs). The tokenizer
 * builds an Intl.Segmenter as it loads, and the first Intl object of a process loads ICU's data
 * (11-19 ms measured here), which a first frame of coloured one-column text then never needs.
 */
export function createRowDrawer(ansi: AnsiTokenizer, stringWidth: (text: string) => number, knownEscapes: ReadonlyMap<string, readonly AnsiCode[]> = new Map()): RowDrawer {
  // Ink's tokens for one escape sequence; a monitor uses a handful of distinct ones.
  const escapeTokens = new TwoGenerationCache<readonly AnsiCode[] | null>(256);

  function codesOfEscape(sequence: string): readonly AnsiCode[] | null {
    const known = knownEscapes.get(sequence);
    if (known !== undefined) return known;
    let codes = escapeTokens.get(sequence);
    if (codes === undefined) {
      const tokens = ansi.tokenize(sequence);
      codes = tokens.every((token) => token.type === 'ansi') ? (tokens as readonly AnsiCode[]) : null;
      escapeTokens.set(sequence, codes);
    }
    return codes;
  }

  /** Writes a one-column line with SGR escapes into cells; false (nothing written) for any other line. */
  function writeSimpleLine(cells: Cells, x: number, line: string): boolean {
    if (oneColumnWidth(line) < 0) return false;
    const escapes = [...line.matchAll(SGR_SEQUENCE)];
    const codesPerEscape: (readonly AnsiCode[])[] = [];
    for (const escape of escapes) {
      const codes = codesOfEscape(escape[0]);
      if (codes === null) return false;
      codesPerEscape.push(codes);
    }
    let styles: readonly AnsiCode[] = NO_STYLES;
    let column = x;
    let start = 0;
    for (let e = 0; e <= escapes.length; e++) {
      const end = e < escapes.length ? escapes[e]!.index : line.length;
      for (let i = start; i < end; i++) {
        cells.values[column] = line[i]!;
        cells.styles[column++] = styles;
      }
      if (e === escapes.length) break;
      styles = ansi.reduceAnsiCodesIncremental(styles, codesPerEscape[e]!);
      start = end + escapes[e]![0].length;
    }
    return true;
  }

  /** Ink's own way, for wide characters, emoji, combining marks and unusual escapes. */
  function writeAnyLine(cells: Cells, x: number, line: string): void {
    let column = x;
    for (const character of ansi.styledCharsFromTokens(ansi.tokenize(line))) {
      cells.values[column] = character.value;
      cells.styles[column] = character.styles;
      const characterWidth = Math.max(1, isOneColumnText(character.value) ? character.value.length : stringWidth(character.value));
      for (let i = 1; i < characterWidth; i++) {
        cells.values[column + i] = '';
        cells.styles[column + i] = character.styles;
      }
      column += characterWidth;
    }
  }

  function sameStyles(a: readonly AnsiCode[], b: readonly AnsiCode[]): boolean {
    if (a === b) return true;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i]!.code !== b[i]!.code || a[i]!.endCode !== b[i]!.endCode) return false;
    return true;
  }

  // The escape text from one style list to the next, by the lists' codes: a screen uses a handful
  // of styles, while Ink's diff builds three Sets and several arrays per call, and inlined in the
  // row loop it threw the loop's optimized code away each time it met a new kind of style list.
  const transitions = new TwoGenerationCache<string>(256);

  /** The codes of a style list as an unambiguous key (each code prefixed by its length). */
  function stylesKey(styles: readonly AnsiCode[]): string {
    let key = '';
    for (let i = 0; i < styles.length; i++) {
      const { code, endCode } = styles[i]!;
      key += `${code.length}:${code}${endCode.length}:${endCode}`;
    }
    return key;
  }

  /** Ink's escape text opening `to` (from null: a row's first cell) or turning `from` into `to`. */
  function transitionText(from: readonly AnsiCode[] | null, to: readonly AnsiCode[]): string {
    const key = from === null ? `>${stylesKey(to)}` : `${stylesKey(from)}>${stylesKey(to)}`;
    let text = transitions.get(key);
    if (text === undefined) {
      text = from === null ? ansi.ansiCodesToString(to) : ansi.ansiCodesToString(ansi.diffAnsiCodes(from, to));
      transitions.set(key, text);
    }
    return text;
  }

  /** Ink's styledCharsToString: identical styles diff to nothing, so a run is diffed once. */
  function cellsToString({ values, styles }: Cells): string {
    let text = '';
    let previous: readonly AnsiCode[] | null = null;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value === undefined) continue; // holes left by a write that started past the row's end
      const style = styles[i]!;
      if (previous === null || !sameStyles(previous, style)) text += transitionText(previous, style);
      text += value;
      previous = style;
    }
    if (previous !== null) text += transitionText(previous, NO_STYLES);
    return text;
  }

  return function drawRow(width, segments) {
    const cells: Cells = { values: new Array<string>(width).fill(' '), styles: new Array<readonly AnsiCode[]>(width).fill(NO_STYLES) };
    for (let i = 0; i < segments.length; i += 2) {
      const x = segments[i] as number;
      const line = segments[i + 1] as string;
      if (!writeSimpleLine(cells, x, line)) writeAnyLine(cells, x, line);
    }
    return cellsToString(cells).trimEnd();
  };
}
