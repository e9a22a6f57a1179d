// Builds the CLI as two files: the entry `cli.js`, an ES module, and the main script
// `cli-main-<hash>.js`, a classic script that the entry compiles with node:vm and a V8 code
// cache (src/util/main-script.ts). Node 20 has no code cache for ES modules, so each start used to
// parse and compile the ~1.3 MB of the CLI's chunks, and run Node's module loader once per chunk
// (~0.75 ms each, 53 of them before the first frame).
//
// The entry is src/cli.tsx with what it imports (the early start of the first read, the start-up
// marks, the loader); its `import('./cli-run.js')` becomes a call of the loader. The main script is
// src/cli-run.ts with everything else. A module both need (the early start's state, the marks) must
// exist once: the main script takes each of the entry's own modules from the entry at run time
// (through __proctopShared, by path), as CommonJS-style objects whose properties esbuild reads at
// each use, so their exports stay live bindings.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS, writeLauncher } from './esbuild-options.mjs';
import { wrapModuleAsScript } from './script-wrap.mjs';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const ENTRY = 'src/cli.tsx';
const MAIN = 'src/cli-run.ts';
const LOADER = join(ROOT, 'src/util/main-script.ts');

/** The entry's stand-in for `import('./cli-run.js')`: loads the main script, handing it the entry's modules. */
function loaderModule(mainFile, shared) {
  const lines = [`import { loadMainScript } from ${JSON.stringify(LOADER)};`];
  const members = [];
  shared.forEach((path, i) => {
    lines.push(`import * as shared${i} from ${JSON.stringify(join(ROOT, path))};`);
    members.push(`${JSON.stringify(path)}: shared${i}`);
  });
  lines.push(
    `const shared = { ${members.join(', ')} };`,
    `const loaded = loadMainScript(new URL(${JSON.stringify(`./${mainFile}`)}, import.meta.url), shared);`,
    'export function main(argv) { return loaded.then((cli) => cli.main(argv)); }',
  );
  return lines.join('\n');
}

function entryBuild(outfile, mainFile, shared) {
  return build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(ROOT, ENTRY)],
    outfile,
    absWorkingDir: ROOT,
    legalComments: 'none',
    metafile: true,
    plugins: [
      ...BUNDLE_OPTIONS.plugins,
      {
        name: 'proctop-main-script-loader',
        setup(b) {
          b.onResolve({ filter: /^\.\/cli-run\.js$/ }, (args) =>
            args.importer === join(ROOT, ENTRY) ? { path: 'cli-run', namespace: 'proctop-main-script' } : undefined,
          );
          b.onLoad({ filter: /.*/, namespace: 'proctop-main-script' }, () => ({ contents: loaderModule(mainFile, shared), loader: 'js', resolveDir: ROOT }));
        },
      },
    ],
  });
}

/** The project's own modules in a build (paths relative to the project root), the entry file left out. */
function sourceModules(metafile) {
  return Object.keys(metafile.inputs)
    .filter((path) => path.startsWith('src/') && path !== ENTRY)
    .sort();
}

/**
 * Builds dist-like `outdir`'s cli.js (with the launcher header) and cli-main-<hash>.js; returns
 * the main script's file name. Other entry points (the library, workers) are built apart.
 */
export async function buildCli(outdir) {
  // The entry's own modules: its graph with the loader in place (the main script's name does not change it).
  const first = await entryBuild(join(outdir, 'cli.js'), 'cli-main.js', []);
  const shared = sourceModules(first.metafile);
  const sharedSet = new Set(shared);
  const main = await build({
    ...BUNDLE_OPTIONS,
    external: [],
    banner: undefined, // the script's parameters give it require, import.meta and __filename
    entryPoints: [join(ROOT, MAIN)],
    write: false,
    legalComments: 'none',
    outfile: join(outdir, 'cli-main.js'),
    absWorkingDir: ROOT,
    plugins: [
      ...BUNDLE_OPTIONS.plugins,
      {
        name: 'proctop-shared-modules',
        setup(b) {
          b.onResolve({ filter: /^\.\.?\// }, async (args) => {
            if (args.pluginData?.proctopResolving || !args.importer.startsWith(join(ROOT, 'src'))) return undefined;
            const found = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { proctopResolving: true } });
            if (found.errors.length > 0) return { errors: found.errors };
            const path = relative(ROOT, found.path);
            return sharedSet.has(path) ? { path, namespace: 'proctop-shared' } : { path: found.path };
          });
          b.onLoad({ filter: /.*/, namespace: 'proctop-shared' }, (args) => ({
            contents: `module.exports = __proctopShared(${JSON.stringify(args.path)});`,
            loader: 'js',
          }));
          // Node's built-ins, as CommonJS modules of the bundle that call the script's require (by
          // another name: esbuild would bundle a require() call of a bundled path as itself): each
          // is then required when the first module importing it is evaluated (most load lazily),
          // not all of them before the script's first line, as imports hoisted to the top would be.
          b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'proctop-builtin' }));
          b.onLoad({ filter: /.*/, namespace: 'proctop-builtin' }, (args) => ({ contents: `module.exports = __proctopBuiltin(${JSON.stringify(args.path)});`, loader: 'js' }));
          // Ink imports react-devtools-core only when DEV is set, and it is not installed: an
          // import of it fails when made, as it did when it was external.
          b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'proctop-absent' }));
          b.onLoad({ filter: /.*/, namespace: 'proctop-absent' }, (args) => ({
            contents: `throw new Error(${JSON.stringify(`proctop: ${args.path} is not bundled (Ink loads it only when DEV is set)`)});`,
            loader: 'js',
          }));
        },
      },
    ],
  });
  const script = await wrapModuleAsScript(main.outputFiles[0].text);
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const mainFile = `cli-main-${hash}.js`;
  writeFileSync(join(outdir, mainFile), script);
  const second = await entryBuild(join(outdir, 'cli.js'), mainFile, shared);
  const again = sourceModules(second.metafile);
  if (again.join('\n') !== shared.join('\n')) throw new Error('proctop build: the entry\'s modules changed between its two builds');
  writeLauncher(join(outdir, 'cli.js'));
  return mainFile;
}
