// esbuild plugin: bundles Ink with proctop's replacements for four modules it imports
// (src/ink-patches/): a row-memoizing Output, a widestLine with a one-column fast path, and
// measureText/wrapText with bounded caches.
// Only imports made by Ink's own build files are redirected (its relative imports of output.js,
// measure-text.js and wrap-text.js, and its import of widest-line, which the patched measureText
// shares); the stock Output is still bundled for frames with clipping.
// The patches were checked against one exact Ink (package.json pins it): the build fails, not
// warns, when another Ink is installed or when any of the four redirects did not apply (a renamed
// Ink module would otherwise silently fall back to the stock one). Moving to a new Ink: see README.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sgrEscapeTable } from './sgr-table.mjs';

const require = createRequire(import.meta.url);
const projectRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const inkBuild = path.dirname(require.resolve('ink'));
const patches = path.join(projectRoot, 'src/ink-patches');

const patch = (file) => JSON.stringify(path.join(patches, file));

/** Module Ink imports → source of the module bundled in its place (imports resolve from Ink's folder). */
const replacements = {
  './output.js': [
    `import StockOutput from ${JSON.stringify(path.join(inkBuild, 'output.js'))};`,
    "import * as ansiTokenizer from '@alcalzone/ansi-tokenize';",
    "import stringWidth from 'string-width';",
    `import { createRowDrawer } from ${patch('row-text.ts')};`,
    `import { createRowMemoOutput } from ${patch('row-memo-output.ts')};`,
    // SGR_ESCAPES: filled in at build time (scripts/sgr-table.mjs).
    'export default createRowMemoOutput(StockOutput, createRowDrawer(ansiTokenizer, stringWidth, new Map(SGR_ESCAPES)));',
  ],
  'widest-line': [
    "import stringWidth from 'string-width';",
    `import { createWidestLine } from ${patch('text-width.ts')};`,
    'export default createWidestLine(stringWidth);',
  ],
  './measure-text.js': [
    "import widestLine from 'widest-line';", // the patched one above
    `import { createMeasureText } from ${patch('text-caches.ts')};`,
    // Inks that place the terminal cursor with an invisible marker measure text without it.
    ...(existsSync(path.join(inkBuild, 'cursor-marker.js'))
      ? ["import { CURSOR_MARKER } from './cursor-marker.js';", 'export default createMeasureText(widestLine, CURSOR_MARKER);']
      : ['export default createMeasureText(widestLine);']),
  ],
  './wrap-text.js': [
    "import wrapAnsi from 'wrap-ansi';",
    "import cliTruncate from 'cli-truncate';",
    `import { createWrapText } from ${patch('text-caches.ts')};`,
    'export default createWrapText(wrapAnsi, cliTruncate);',
  ],
};

/** The Ink version package.json pins (an exact version: the patches were checked against it). */
function pinnedInkVersion() {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
  return pkg.dependencies.ink;
}

export function inkPatches() {
  const inkVersion = JSON.parse(readFileSync(path.join(inkBuild, '..', 'package.json'), 'utf8')).version;
  const pinned = pinnedInkVersion();
  return {
    name: 'proctop-ink-patches',
    setup(build) {
      if (inkVersion !== pinned) {
        throw new Error(`proctop build: Ink ${inkVersion} is installed, but the Ink patches were checked against Ink ${pinned} (package.json); run npm ci, or see README "Moving to a new Ink"`);
      }
      const applied = new Set();
      // Imports made by Ink's own files, and widest-line wherever a replacement asks for it; the
      // replacements' imports of the stock Output and of other packages pass through.
      const patched = { path: '', namespace: 'proctop-ink-patch' };
      build.onResolve({ filter: /^(\.\/(output|measure-text|wrap-text)\.js|widest-line)$/ }, (args) => {
        const fromInk = args.namespace === 'file' && path.dirname(args.importer) === inkBuild;
        const fromPatch = args.namespace === patched.namespace && args.path === 'widest-line';
        return fromInk || fromPatch ? { ...patched, path: args.path } : undefined;
      });
      let sgrEscapes;
      build.onLoad({ filter: /.*/, namespace: 'proctop-ink-patch' }, async (args) => {
        applied.add(args.path);
        let contents = replacements[args.path].join('\n');
        if (contents.includes('SGR_ESCAPES')) {
          sgrEscapes ??= JSON.stringify(await sgrEscapeTable(inkBuild));
          contents = `const SGR_ESCAPES = ${sgrEscapes};\n${contents}`;
        }
        return { resolveDir: inkBuild, loader: 'js', contents };
      });
      // A bundle that loads Ink must have taken every replacement.
      let inkBundled = false;
      build.onLoad({ filter: /[\\/]ink[\\/]build[\\/]ink\.js$/ }, (args) => {
        if (path.dirname(args.path) === inkBuild) inkBundled = true;
        return undefined; // loaded as usual
      });
      build.onEnd(() => {
        const missing = Object.keys(replacements).filter((module) => !applied.has(module));
        if ((inkBundled || applied.size > 0) && missing.length > 0) {
          throw new Error(`proctop build: Ink ${inkVersion} no longer imports ${missing.join(', ')} as the patches expect: redirects not applied`);
        }
      });
    },
  };
}
