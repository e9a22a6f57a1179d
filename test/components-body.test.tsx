// The table body is drawn as ONE Text (plain lines as one string, styled lines nested): it must
// draw exactly what a Text per line drew, escape codes included. Colour decisions need a
// colour-capable chalk: force it before Ink loads (imports are dynamic).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReactElement } from 'react';
import { randomFloats as random } from './helpers/random.js';

process.env.FORCE_COLOR = '1';

type RenderFn = (tree: ReactElement) => { lastFrame(): string | undefined; unmount(): void };
let renderApp: RenderFn;
let ink: typeof import('ink');
let React: typeof import('react');
let body: typeof import('../src/components/ProcessTable.js');

beforeAll(async () => {
  renderApp = (await import('ink-testing-library')).render as unknown as RenderFn;
  ink = await import('ink');
  React = (await import('react')).default;
  body = await import('../src/components/ProcessTable.js');
});

afterAll(() => {
  delete process.env.FORCE_COLOR;
});

type Line = import('../src/components/ProcessTable.js').BodyLine;

/** The body as it was drawn before: one Text per line, with the row's style props. */
function textPerLine(lines: readonly Line[], color: boolean, width: number): ReactElement {
  const { Box, Text } = ink;
  return (
    <Box flexDirection="column" width={width}>
      {lines.map(({ text, isCursor, marked, exited }, i) => (
        <Text
          key={i}
          wrap="truncate"
          inverse={isCursor && !color}
          backgroundColor={isCursor && color ? 'cyan' : undefined}
          color={color ? (isCursor ? 'black' : marked ? 'yellow' : undefined) : undefined}
          dimColor={exited && !isCursor}
        >
          {text}
        </Text>
      ))}
    </Box>
  );
}

function oneText(lines: readonly Line[], color: boolean, width: number): ReactElement {
  const { Box } = ink;
  return (
    <Box flexDirection="column" width={width}>
      <body.TableBody lines={lines} color={color} />
    </Box>
  );
}

function frameOf(tree: ReactElement): string {
  const app = renderApp(tree);
  const frame = app.lastFrame() ?? '';
  app.unmount();
  return frame;
}

const ONE_COLUMN = 'abcXYZ 0123456789./-_:[]%…▼▲│├└─ ';
const WIDE = ['漢', '字', '🙂', 'e\u0301'];

function randomLines(next: () => number, width: number, count: number, wide: boolean): Line[] {
  const lines: Line[] = [];
  for (let i = 0; i < count; i++) {
    const isCursor = next() < 0.15;
    const length = isCursor ? width : Math.max(1, Math.floor(next() * (width + 1)));
    let text = '';
    for (let c = 0; c < length; c++) {
      text += wide && next() < 0.1 ? (WIDE[Math.floor(next() * WIDE.length)] as string) : (ONE_COLUMN[Math.floor(next() * ONE_COLUMN.length)] as string);
    }
    if (!isCursor) text = text.trimEnd() || 'x';
    lines.push({ text, isCursor, marked: next() < 0.3, exited: next() < 0.2 });
  }
  return lines;
}

describe('table body as one Text', () => {
  for (const width of [79, 80]) {
    for (const color of [true, false]) {
      it(`draws exactly what a Text per line drew (${width} columns, ${color ? 'colour' : 'no colour'})`, () => {
        const next = random(width * 2 + (color ? 1 : 0));
        for (let round = 0; round < 40; round++) {
          const lines = randomLines(next, width, 1 + Math.floor(next() * 38), false);
          const expected = frameOf(textPerLine(lines, color, width));
          expect(frameOf(oneText(lines, color, width))).toBe(expected);
        }
      });
    }
  }

  it('keeps the styles apart where styled lines meet, at the first and the last line', () => {
    const line = (text: string, state: Partial<Line> = {}): Line => ({ text, isCursor: false, marked: false, exited: false, ...state });
    const lines = [
      line('  101 cursor on the first line'.padEnd(40), { isCursor: true }),
      line('  102 marked', { marked: true }),
      line('  103 exited', { exited: true }),
      line('  104 marked and exited', { marked: true, exited: true }),
      line('  105 plain'),
      line('  106 plain'),
      line('  107 exited last', { exited: true }),
    ];
    for (const color of [true, false]) {
      const frame = frameOf(oneText(lines, color, 40));
      expect(frame).toBe(frameOf(textPerLine(lines, color, 40)));
      expect(frame.split('\n')).toHaveLength(lines.length);
    }
  });

  it('draws lines with wide characters (wider than their length) a Text per line, each cut at the width', () => {
    const next = random(7);
    for (let round = 0; round < 20; round++) {
      const lines = randomLines(next, 40, 1 + Math.floor(next() * 20), true);
      expect(frameOf(oneText(lines, true, 40))).toBe(frameOf(textPerLine(lines, true, 40)));
    }
    const frame = frameOf(oneText([{ text: '漢'.repeat(30), isCursor: false, marked: false, exited: false }, { text: 'next', isCursor: false, marked: false, exited: false }], false, 40));
    const [first, second] = frame.split('\n');
    expect(first).toMatch(/^漢+…$/u);
    expect(second).toBe('next');
  });
});
