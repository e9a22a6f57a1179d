// Terminal width of text without grapheme segmentation for the characters a monitor mostly draws.
// string-width segments every string with Intl.Segmenter and tests Unicode property regexes; for
// these characters that always comes to one column per UTF-16 unit.

/**
 * Characters that are one column wide and never join a neighbour into one grapheme: printable
 * ASCII, Latin-1 (minus the soft hyphen, which is invisible), general punctuation (… —), arrows,
 * box drawing, block elements (sparklines, bars) and geometric shapes (▲ ▼) except the two that
 * terminals draw as emoji. test/ink-patches.test.ts checks each against string-width.
 */
export const ONE_COLUMN_CHARACTER_RANGES: readonly (readonly [number, number])[] = [
  [0x20, 0x7e],
  [0xa1, 0xac],
  [0xae, 0xff],
  [0x2010, 0x2027],
  [0x2030, 0x205e],
  [0x2190, 0x21ff],
  [0x2500, 0x25fc],
];

const ONE_COLUMN_TEXT = new RegExp(
  `^[${ONE_COLUMN_CHARACTER_RANGES.map(([from, to]) => `\\u{${from.toString(16)}}-\\u{${to.toString(16)}}`).join('')}]*$`,
  'u',
);

/** True when every character of `text` takes exactly one column (so its width is its length). */
export function isOneColumnText(text: string): boolean {
  return ONE_COLUMN_TEXT.test(text);
}

/** Printable one-column text with SGR escapes (ESC [ digits/semicolons m) between the characters. */
export const SGR_SEQUENCE = /\x1b\[[0-9;]*m/g;

/**
 * The width of a line of one-column characters and SGR escapes (which take no column, as
 * string-width counts them), or -1 for any other line.
 */
export function oneColumnWidth(line: string): number {
  if (isOneColumnText(line)) return line.length;
  if (!line.includes('\x1b')) return -1;
  // Coloured text (every Text with a colour reaches Ink's measuring with its escapes in).
  const visible = line.replace(SGR_SEQUENCE, '');
  return isOneColumnText(visible) ? visible.length : -1;
}

/** widest-line's function (widest line of a multi-line text), with the one-column fast path. */
export function createWidestLine(stringWidth: (text: string) => number): (text: string) => number {
  return function widestLine(text: string): number {
    let widest = 0;
    for (const line of text.split('\n')) {
      const width = oneColumnWidth(line);
      widest = Math.max(widest, width >= 0 ? width : stringWidth(line));
    }
    return widest;
  };
}
