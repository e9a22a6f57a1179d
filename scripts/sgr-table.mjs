// The tokens Ink's tokenizer (@alcalzone/ansi-tokenize) gives for every one-number SGR escape
// (ESC [ n m, n = 0..107: what chalk writes for the named colours, bright colours, backgrounds and
// text styles Ink's <Text> props ask for), worked out at build time by that tokenizer itself, so
// the patched Output draws coloured rows without loading it (src/ink-patches/row-text.ts says why).
// Escapes outside the table (256 and true colours, several numbers in one escape) still go
// through the tokenizer at run time.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Highest SGR number chalk writes with one number (bright background white). */
const LAST_SGR = 107;

/** [escape, tokens] for each one-number SGR escape the tokenizer reads as escape codes only. */
export async function sgrEscapeTable(inkBuildDir) {
  const requireFromInk = createRequire(path.join(inkBuildDir, 'ink.js'));
  const packageDir = path.dirname(requireFromInk.resolve('@alcalzone/ansi-tokenize/package.json'));
  const { exports } = requireFromInk('@alcalzone/ansi-tokenize/package.json');
  const { tokenize } = await import(pathToFileURL(path.join(packageDir, exports['.'].import)).href);
  const table = [];
  for (let n = 0; n <= LAST_SGR; n++) {
    const escape = `\x1b[${n}m`;
    const tokens = tokenize(escape);
    if (tokens.length > 0 && tokens.every((token) => token.type === 'ansi')) table.push([escape, tokens]);
  }
  return table;
}
