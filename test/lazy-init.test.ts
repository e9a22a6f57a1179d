// The build's lazy-init plugin (scripts/lazy-init-plugin.mjs): string-width's slow top level (a
// \p{RGI_Emoji} regex, an Intl.Segmenter), slice-ansi's and ansi-tokenize's tokenizer's (an
// Intl.Segmenter each) run at their first call, not when the UI chunk loads on the way to the
// first frame, and each deferred function answers exactly as the real one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import stringWidth from 'string-width';
import * as ansiTokenizer from '@alcalzone/ansi-tokenize';
// @ts-expect-error: a build script (plain .mjs) without type declarations
import { lazyInit } from '../scripts/lazy-init-plugin.mjs';
import { ensureBuilt, repoRoot } from './helpers/cli.js';

/** Counts the RegExps built with \p{RGI_Emoji} (string-width's top level builds one) from here on. */
const COUNT_EMOJI_REGEXES = `
globalThis.emojiRegexes = 0;
globalThis.RegExp = new Proxy(RegExp, {
  construct(target, args, newTarget) {
    if (String(args[0]).includes('RGI_Emoji')) globalThis.emojiRegexes += 1;
    return Reflect.construct(target, args, newTarget);
  },
});
`;

/** Counts the Intl.Segmenters made from here on (the first Intl object loads ICU's data). */
const COUNT_SEGMENTERS = `
globalThis.segmenters = 0;
Intl.Segmenter = new Proxy(Intl.Segmenter, {
  construct(target, args, newTarget) {
    globalThis.segmenters += 1;
    return Reflect.construct(target, args, newTarget);
  },
});
`;

/** Runs an ES module in a fresh node; returns its stdout (fails the test on a non-zero exit). */
function runModule(file: string): string {
  const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

const dir = mkdtempSync(join(tmpdir(), 'proctop-lazy-init-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles `source` (an entry next to the repo's node_modules) with only the lazy-init plugin. */
async function bundle(source: string, packages?: readonly string[], modules?: readonly string[]): Promise<string> {
  const outfile = join(dir, `out-${Math.random().toString(36).slice(2)}.mjs`);
  await build({
    stdin: { contents: source, resolveDir: repoRoot, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20', // as the shipped bundle: the v-flag regexes become RegExp constructor calls
    outfile,
    plugins: [lazyInit(packages, modules)],
    logLevel: 'silent',
  });
  return outfile;
}

describe('lazy-init plugin', () => {
  it('evaluates string-width at its first call, and it measures as string-width does', async () => {
    const samples = ['abc', '漢字', '🚀', 'e\u0301', '\u200b', '\x1b[31mred\x1b[39m'];
    const file = await bundle(`
      ${COUNT_EMOJI_REGEXES}
      const { default: width } = await import('string-width');
      const before = globalThis.emojiRegexes;
      const widths = ${JSON.stringify(samples)}.map((text) => width(text));
      console.log(JSON.stringify({ before, after: globalThis.emojiRegexes, widths }));
    `);
    const result = JSON.parse(runModule(file)) as { before: number; after: number; widths: number[] };
    expect(result.before).toBe(0);
    expect(result.after).toBe(1); // built once, at the first call
    expect(result.widths).toEqual(samples.map((text) => stringWidth(text)));
  }, 60_000);

  it("evaluates a module inside a package at its first call: ansi-tokenize's style helpers load without its tokenizer", async () => {
    const text = '\x1b[31mré🚀 e\u0301\x1b[39m';
    const source = `
      ${COUNT_SEGMENTERS}
      const tokenizer = await import('@alcalzone/ansi-tokenize');
      const loaded = globalThis.segmenters;
      const reduced = tokenizer.reduceAnsiCodes([{ type: 'ansi', code: '\\x1b[31m', endCode: '\\x1b[39m' }, { type: 'ansi', code: '\\x1b[39m', endCode: '\\x1b[39m' }]);
      const helpers = globalThis.segmenters;
      const tokens = tokenizer.tokenize(${JSON.stringify(text)});
      console.log(JSON.stringify({ loaded, helpers, after: globalThis.segmenters, reduced, tokens }));
    `;
    const deferred = JSON.parse(runModule(await bundle(source, [], ['@alcalzone/ansi-tokenize/build/tokenize.js']))) as Record<string, unknown>;
    expect(deferred).toMatchObject({ loaded: 0, helpers: 0, after: 1 });
    expect(deferred.tokens).toEqual(ansiTokenizer.tokenize(text));
    expect(deferred.reduced).toEqual(ansiTokenizer.reduceAnsiCodes([{ type: 'ansi', code: '\x1b[31m', endCode: '\x1b[39m' }, { type: 'ansi', code: '\x1b[39m', endCode: '\x1b[39m' }]));
    // Without the entry the package's index evaluates the tokenizer as it loads.
    const eager = JSON.parse(runModule(await bundle(source, [], []))) as Record<string, unknown>;
    expect(eager).toMatchObject({ loaded: 1 });
  }, 60_000);

  it('refuses a package that exports anything but functions (its evaluation could not wait)', async () => {
    // ansi-styles' default export is an object of styles.
    await expect(bundle("import styles from 'ansi-styles'; console.log(styles.red.open);", ['ansi-styles'])).rejects.toThrow(/not functions/);
  });
});

// The shipped CLI's deferral (no emoji regex or Segmenter made while the UI loads) is checked in
// test/e2e-startup.test.ts, on the built CLI in a terminal.
