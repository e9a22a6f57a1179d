// proctop's replacements for Ink internals (src/ink-patches/) must draw exactly what Ink draws.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import StockOutput from '../node_modules/ink/build/output.js';
import stockMeasureText from '../node_modules/ink/build/measure-text.js';
import stockWrapText from '../node_modules/ink/build/wrap-text.js';
import widestLine from 'widest-line';
import stringWidth from 'string-width';
import * as ansiTokenizer from '@alcalzone/ansi-tokenize';
import wrapAnsi from 'wrap-ansi';
import cliTruncate from 'cli-truncate';
import { createRowMemoOutput, type InkOutputClass, type OutputTransformer } from '../src/ink-patches/row-memo-output.js';
import { createRowDrawer, type RowDrawer } from '../src/ink-patches/row-text.js';
import { createWidestLine, ONE_COLUMN_CHARACTER_RANGES } from '../src/ink-patches/text-width.js';
import { createMeasureText, createWrapText, TEXT_CACHE_CHARS, TwoGenerationCache, wrapTextCache } from '../src/ink-patches/text-caches.js';
import ansiStyles from 'ansi-styles';
// @ts-expect-error: a build script (plain .mjs) without type declarations
import { sgrEscapeTable } from '../scripts/sgr-table.mjs';
import { ensureBuilt, repoRoot } from './helpers/cli.js';
import { randomSource } from './helpers/random.js';

const Stock = StockOutput as unknown as InkOutputClass;
const drawRow = createRowDrawer(ansiTokenizer, stringWidth);
const patchedOutput = (): InkOutputClass => createRowMemoOutput(Stock, drawRow);

const SGR = ['\x1b[1;33m', '\x1b[4:3m', '\x1b[5A', '\x1b[m', '\x1b]8;;http://x\x07', '\x1b[1m', '\x1b[2m', '\x1b[7m', '\x1b[33m', '\x1b[46m', '\x1b[30m', '\x1b[38;5;208m', '\x1b[48;2;10;20;30m'];
const RESET = ['\x1b[22m', '\x1b[27m', '\x1b[39m', '\x1b[49m', '\x1b[0m'];
// Plain, wide (CJK), emoji, combining and zero-width pieces: all the widths a terminal knows.
const PIECES = ['node', ' ', '12.5', 'ß', '漢字', '🚀', 'e\u0301', '\u200b', '▆▁', '│', 'x'.repeat(30), '—', '…▼', '\u00ad', '\t', '◽'];

function randomText(next: (n: number) => number): string {
  let text = '';
  const parts = 1 + next(8);
  for (let i = 0; i < parts; i++) {
    const roll = next(10);
    if (roll === 0) text += SGR[next(SGR.length)];
    else if (roll === 1) text += RESET[next(RESET.length)];
    else if (roll === 2) text += '\n';
    else text += PIECES[next(PIECES.length)];
  }
  return text;
}

type Op =
  | { kind: 'write'; x: number; y: number; text: string; transformers: OutputTransformer[] }
  | { kind: 'clip'; clip: { x1?: number; x2?: number; y1?: number; y2?: number } }
  | { kind: 'unclip' };

const upper: OutputTransformer = (line) => line.toUpperCase();
const numbered: OutputTransformer = (line, index) => `${index}:${line}`;
const colored: OutputTransformer = (line) => `\x1b[32m${line}\x1b[39m`;

function randomFrame(next: (n: number) => number, width: number, height: number, withClips: boolean): Op[] {
  const ops: Op[] = [];
  const count = 1 + next(25);
  for (let i = 0; i < count; i++) {
    if (withClips && next(6) === 0) {
      ops.push({ kind: 'clip', clip: { x1: next(width), x2: next(width + 5), y1: next(height), y2: next(height + 3) } });
      continue;
    }
    if (withClips && next(6) === 0) {
      ops.push({ kind: 'unclip' });
      continue;
    }
    const transformers: OutputTransformer[] = [];
    if (next(4) === 0) transformers.push([upper, numbered, colored][next(3)]!);
    // x may run past the right edge and y above the top or past the bottom; Ink copes with all three.
    ops.push({ kind: 'write', x: next(width + 4), y: next(height + 4) - 2, text: randomText(next), transformers });
  }
  return ops;
}

function draw(OutputClass: InkOutputClass, width: number, height: number, ops: readonly Op[]): string {
  const output = new OutputClass({ width, height });
  for (const op of ops) {
    if (op.kind === 'write') output.write(op.x, op.y, op.text, { transformers: op.transformers });
    else if (op.kind === 'clip') output.clip(op.clip);
    else output.unclip();
  }
  return output.get().output;
}

/** The row drawer, counting the rows it is asked to draw. */
function countingDrawer(): { drawRow: RowDrawer; drawn: () => number } {
  let drawn = 0;
  return {
    drawRow: (width, segments) => {
      drawn++;
      return drawRow(width, segments);
    },
    drawn: () => drawn,
  };
}

describe('row-memoizing Output', () => {
  it('draws byte-for-byte what Ink draws, frame after frame, for random writes (styles, wide characters, overflow)', () => {
    const RowMemo = patchedOutput();
    for (let seed = 1; seed <= 400; seed++) {
      const next = randomSource(seed);
      const width = 5 + next(40);
      const height = 1 + next(8);
      const ops = randomFrame(next, width, height, false);
      // Twice: the second draw comes from the row cache.
      for (let round = 0; round < 2; round++) expect(draw(RowMemo, width, height, ops), `seed ${seed} round ${round}`).toBe(draw(Stock, width, height, ops));
    }
  });

  it("with the build's SGR table, draws what Ink draws and tokenizes no escape the table holds", async () => {
    const table = (await sgrEscapeTable(join(repoRoot, 'node_modules', 'ink', 'build'))) as [string, ansiTokenizer.AnsiCode[]][];
    const tokenized: string[] = [];
    const counting = { ...ansiTokenizer, tokenize: (text: string) => (tokenized.push(text), ansiTokenizer.tokenize(text)) };
    const RowMemo = createRowMemoOutput(Stock, createRowDrawer(counting, stringWidth, new Map(table)));
    for (let seed = 1; seed <= 400; seed++) {
      const next = randomSource(seed);
      const width = 5 + next(40);
      const height = 1 + next(8);
      const ops = randomFrame(next, width, height, false);
      expect(draw(RowMemo, width, height, ops), `seed ${seed}`).toBe(draw(Stock, width, height, ops));
    }
    // A monitor's rows: one-column text in named colours and text styles, as chalk writes them.
    tokenized.length = 0;
    const styled = (open: string, close: string, text: string) => `${open}${text}${close}`;
    const row = [
      styled(ansiStyles.green.open, ansiStyles.green.close, '  1234'),
      styled(ansiStyles.bold.open, ansiStyles.bold.close, styled(ansiStyles.yellow.open, ansiStyles.yellow.close, ' 12.5')),
      styled(ansiStyles.inverse.open, ansiStyles.inverse.close, styled(ansiStyles.bgCyan.open, ansiStyles.bgCyan.close, styled(ansiStyles.black.open, ansiStyles.black.close, ' node │ ▆▁ …'))),
      styled(ansiStyles.dim.open, ansiStyles.dim.close, styled(ansiStyles.redBright.open, ansiStyles.redBright.close, ' [kworker/0:1]')),
    ].join('');
    const ops: Op[] = [{ kind: 'write', x: 0, y: 0, text: row, transformers: [] }];
    expect(draw(RowMemo, 60, 1, ops)).toBe(draw(Stock, 60, 1, ops));
    expect(tokenized).toEqual([]);
  });

  it('falls back to Ink for frames with clipping and still matches it', () => {
    const RowMemo = patchedOutput();
    for (let seed = 1000; seed < 1200; seed++) {
      const next = randomSource(seed);
      const width = 5 + next(30);
      const height = 1 + next(6);
      const ops = randomFrame(next, width, height, true);
      expect(draw(RowMemo, width, height, ops), `seed ${seed}`).toBe(draw(Stock, width, height, ops));
    }
  });

  it('matches Ink when a transformer puts a line break into a line', () => {
    const RowMemo = patchedOutput();
    const breaking: OutputTransformer = (line) => `${line}\nsecond`;
    const ops: Op[] = [{ kind: 'write', x: 1, y: 0, text: 'a\nb', transformers: [breaking] }];
    expect(draw(RowMemo, 12, 3, ops)).toBe(draw(Stock, 12, 3, ops));
  });

  it('tells apart rows whose writes would join into the same text (a NUL inside a line)', () => {
    const RowMemo = patchedOutput();
    const one: Op[] = [{ kind: 'write', x: 0, y: 0, text: 'a\u00000\u0000b', transformers: [] }];
    const two: Op[] = [
      { kind: 'write', x: 0, y: 0, text: 'a', transformers: [] },
      { kind: 'write', x: 0, y: 0, text: 'b', transformers: [] },
    ];
    for (const ops of [one, two, one]) expect(draw(RowMemo, 10, 1, ops)).toBe(draw(Stock, 10, 1, ops));
  });

  it('redraws only the rows whose content changed, wherever they moved', () => {
    const counting = countingDrawer();
    const RowMemo = createRowMemoOutput(Stock, counting.drawRow);
    const rows = Array.from({ length: 30 }, (_, i) => `${String(1000 + i).padStart(7)} root  S  0.0  sleeper ${i}`);
    const frame = (lines: readonly string[]): Op[] => lines.map((text, y) => ({ kind: 'write', x: 0, y, text, transformers: [colored] }));
    draw(RowMemo, 80, 30, frame(rows));
    expect(counting.drawn()).toBe(30);
    // A refresh where one row changed and the list scrolled by one: one row is new to the cache.
    const next = [...rows.slice(1), rows[0]!.replace('0.0', '9.9')];
    expect(draw(RowMemo, 80, 30, frame(next))).toBe(draw(Stock, 80, 30, frame(next)));
    expect(counting.drawn()).toBe(31);
  });
});

describe("the build's SGR table (scripts/sgr-table.mjs)", () => {
  it("holds Ink's own tokens for every one-number escape of chalk's named colours, backgrounds and text styles", async () => {
    const table = new Map((await sgrEscapeTable(join(repoRoot, 'node_modules', 'ink', 'build'))) as [string, unknown][]);
    for (const [escape, tokens] of table) expect(tokens, JSON.stringify(escape)).toEqual(ansiTokenizer.tokenize(escape));
    for (const group of [ansiStyles.modifier, ansiStyles.color, ansiStyles.bgColor]) {
      // (Each group also holds its close code and its 256/true-colour makers: not one-number styles.)
      for (const [name, style] of Object.entries(group)) {
        if (typeof style !== 'object' || !('open' in style)) continue;
        expect(table.has(style.open), `${name} open`).toBe(true);
        expect(table.has(style.close), `${name} close`).toBe(true);
      }
    }
  });
});

describe('one-column text', () => {
  it('every character in the fast-path ranges is one column for string-width', () => {
    for (const [from, to] of ONE_COLUMN_CHARACTER_RANGES) {
      for (let code = from; code <= to; code++) expect(stringWidth(String.fromCodePoint(code)), code.toString(16)).toBe(1);
    }
  });

  it('widestLine measures as widest-line does', () => {
    const fast = createWidestLine(stringWidth);
    const next = randomSource(3);
    for (let i = 0; i < 300; i++) {
      const text = randomText(next);
      expect(fast(text), JSON.stringify(text)).toBe(widestLine(text));
    }
    // Coloured table rows and titles (the escapes take no column), and escapes the fast path leaves to string-width.
    for (const text of ['\x1b[30m\x1b[46m  4242 root  12.5 ▼ node\x1b[39m\x1b[49m', '\x1b[33m*\x1b[39m x\ny', '\x1b[4:3mab\x1b[0m', '\x1b[1m世界\x1b[22m', '\x1b]8;;http://x\x07ab']) {
      expect(fast(text), JSON.stringify(text)).toBe(widestLine(text));
    }
  });
});

describe('bounded text caches', () => {
  it('TwoGenerationCache keeps at most two generations and keeps what is still used', () => {
    const cache = new TwoGenerationCache<number>(3);
    for (let i = 0; i < 100; i++) {
      cache.set(`k${i}`, i);
      expect(cache.get('k0')).toBe(0); // used every round: never forgotten
    }
    expect(cache.size).toBeLessThanOrEqual(6);
    expect(cache.get('k50')).toBeUndefined();
    expect(cache.get('k99')).toBe(99);
  });

  it('TwoGenerationCache also lets a generation go once its entries weigh maxWeight, however few', () => {
    const cache = new TwoGenerationCache<number>(4096, 10_000);
    const big = (i: number): string => `${i} `.padEnd(2_000, 'x');
    for (let i = 0; i < 1_000; i++) cache.set(big(i), i);
    // Two generations of at most 10,000 characters (five texts each), not 1,000 texts of 2,000.
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.weight).toBeLessThanOrEqual(20_000);
    expect(cache.get(big(999))).toBe(999);
    expect(cache.get(big(0))).toBeUndefined();
    // One entry heavier than the bound is still kept (a generation is never left empty).
    cache.set('y'.repeat(50_000), 1);
    expect(cache.get('y'.repeat(50_000))).toBe(1);
  });

  it('measureText and wrapText keep at most two generations of TEXT_CACHE_CHARS, however large their texts', () => {
    // Each refresh of a monitor draws new multi-line texts (CPU%, TIME+): 4,096 of 4,000 characters
    // each is what the count bound alone let each cache hold (16 M characters).
    const measured = new TwoGenerationCache<{ width: number; height: number }>(4096, TEXT_CACHE_CHARS);
    const wrapped = wrapTextCache();
    const measure = createMeasureText(createWidestLine(stringWidth), undefined, measured);
    const wrap = createWrapText(wrapAnsi, cliTruncate, wrapped);
    for (let i = 0; i < 1_000; i++) {
      const text = `${i}\n`.padEnd(4_000, 'abcd');
      expect(measure(text)).toEqual({ width: 3_999 - String(i).length, height: 2 });
      wrap(text, 8_000, 'truncate');
    }
    expect(measured.weight).toBeLessThanOrEqual(2 * TEXT_CACHE_CHARS);
    expect(wrapped.weight).toBeLessThanOrEqual(2 * TEXT_CACHE_CHARS);
    expect(measured.size).toBeLessThan(1_000);
  });

  it('measureText measures as Ink does (ASCII fast path included) and stays bounded', () => {
    const measure = createMeasureText(createWidestLine(stringWidth));
    const next = randomSource(7);
    for (let i = 0; i < 300; i++) {
      const text = i % 3 === 0 ? `plain ascii line ${i}\nsecond` : randomText(next);
      expect(measure(text), JSON.stringify(text)).toEqual(stockMeasureText(text));
    }
    expect(measure('')).toEqual(stockMeasureText(''));
  });

  it('measureText with a cursor marker measures the text without it, as Inks with a marker do', () => {
    // Newer Inks (not the pinned 6.8.0) put an invisible escape where the terminal cursor goes.
    const marker = '\u001B[?proctop-cursor';
    const measure = createMeasureText(createWidestLine(stringWidth), marker);
    const next = randomSource(9);
    for (let i = 0; i < 200; i++) {
      const text = randomText(next);
      const at = next(text.length + 1);
      const marked = text.slice(0, at) + marker + text.slice(at);
      expect(measure(marked), JSON.stringify(marked)).toEqual(stockMeasureText(text));
      expect(measure(text)).toEqual(stockMeasureText(text)); // same cache entry, same answer
    }
    expect(measure(marker)).toEqual({ width: 0, height: 0 });
  });

  it('wrapText wraps and truncates as Ink does', () => {
    const wrap = createWrapText(wrapAnsi, cliTruncate);
    const next = randomSource(11);
    const types = ['wrap', 'truncate', 'truncate-end', 'truncate-middle', 'truncate-start', 'end', 'middle'];
    for (let i = 0; i < 300; i++) {
      const text = randomText(next).replace(/\n/g, ' ') + ' some more words to wrap around';
      const width = 1 + next(30);
      const type = types[next(types.length)]!;
      expect(wrap(text, width, type), `${JSON.stringify(text)} ${width} ${type}`).toBe(stockWrapText(text, width, type as never));
    }
  });
});

describe('the shipped bundle', () => {
  it('draws with all four patched modules: Output, widestLine, measureText and wrapText (the build plugin swapped them in)', async () => {
    await ensureBuilt();
    // The CLI's main script (dist/cli-main-<hash>.js), which holds Ink.
    const dist = join(repoRoot, 'dist');
    const bundled = readdirSync(dist)
      .filter((name) => /^cli-main-[0-9a-f]+\.js$/.test(name))
      .map((name) => readFileSync(join(dist, name), 'utf8'))
      .join('\n');
    expect(bundled).not.toBe('');
    for (const factory of ['createRowMemoOutput(', 'createWidestLine(', 'createMeasureText(', 'createWrapText(']) {
      // `x = f(` as written, `x=f(` once minified.
      expect(bundled, factory).toMatch(new RegExp(`= ?${factory.replace('(', '\\(')}`));
    }
  });

  it('is built against exactly the Ink version package.json pins (the build refuses any other)', () => {
    const pinned = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies.ink;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const installed = (JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'ink', 'package.json'), 'utf8')) as { version: string }).version;
    expect(installed).toBe(pinned);
  });
});
