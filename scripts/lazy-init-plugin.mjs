// esbuild plugin: modules whose top level is slow to run are evaluated at their first call, not
// when the UI chunk loads. string-width builds Unicode property regexes (\p{RGI_Emoji} with the v
// flag: ~9 ms) and an Intl.Segmenter as it is imported; slice-ansi and the tokenizer of
// @alcalzone/ansi-tokenize each build an Intl.Segmenter too. The first Intl object a process makes
// loads ICU's locale and break-iterator data: 11-19 ms on this 2-CPU VM (measured with a
// constructor hook, first frame of the monitor), paid by whichever of them loads first. The
// monitor's first frame rarely measures, slices or tokenizes a character that needs them (the Ink
// patches draw one-column text and SGR escapes without them), and everything it does need waited
// for that on the way to the first full frame (bench: `--only launch`). Nothing of the dependency
// changes: each import of a listed package, or of a listed module inside a package (however it is
// imported, the package's own relative imports included), gets a module exporting the same names,
// each a function that evaluates the real module once (esbuild's lazy `require` of a bundled ES
// module) and calls through to it.
// Only functions can be deferred like that: the build fails when a listed module exports anything
// else, or when one of them is not bundled at all (a renamed package would silently stay eager).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Packages (as imported) whose evaluation waits for their first call. */
export const LAZY_INIT_PACKAGES = ['string-width', 'slice-ansi'];
/**
 * Modules inside a package (package name, then the file's path in it) whose evaluation waits for
 * their first call. ansi-tokenize's index re-exports its tokenizer beside the style-code helpers
 * the Ink patches call for every coloured row; only the tokenizer builds a Segmenter.
 */
export const LAZY_INIT_MODULES = ['@alcalzone/ansi-tokenize/build/tokenize.js'];

const projectRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const requireFromProject = createRequire(path.join(projectRoot, 'package.json'));

/** The file a LAZY_INIT_MODULES entry names (through the package's exported package.json). */
function moduleFile(entry) {
  const parts = entry.split('/');
  const packageName = parts.slice(0, entry.startsWith('@') ? 2 : 1).join('/');
  const inside = parts.slice(packageName.split('/').length).join('/');
  return path.join(path.dirname(requireFromProject.resolve(`${packageName}/package.json`)), inside);
}

const NAMESPACE = 'proctop-lazy-init';

export function lazyInit(packages = LAZY_INIT_PACKAGES, modules = LAZY_INIT_MODULES) {
  const filter = new RegExp(`^(${packages.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'proctop-lazy-init',
    setup(build) {
      const deferred = new Set();
      build.onResolve({ filter }, async (args) => {
        // The wrapper's own import of the real module resolves as usual.
        if (args.pluginData?.lazyInitReal) return undefined;
        const real = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { lazyInitReal: true } });
        if (real.errors.length > 0) return { errors: real.errors };
        deferred.add(args.path);
        return { path: real.path, namespace: NAMESPACE };
      });
      // A listed module inside a package, by the file its import resolves to.
      const targets = new Map(modules.map((entry) => [moduleFile(entry), entry]));
      if (targets.size > 0) {
        const basenames = [...new Set([...targets.keys()].map((file) => path.basename(file).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))];
        build.onResolve({ filter: new RegExp(`(^|[\\\\/])(${basenames.join('|')})$`) }, async (args) => {
          if (args.pluginData?.lazyInitReal || args.namespace === NAMESPACE) return undefined;
          const real = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { lazyInitReal: true } });
          const entry = real.errors.length === 0 ? targets.get(real.path) : undefined;
          if (entry === undefined) return undefined;
          deferred.add(entry);
          return { path: real.path, namespace: NAMESPACE };
        });
      }
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, async (args) => {
        const real = await import(pathToFileURL(args.path).href);
        const names = Object.keys(real);
        const notFunctions = names.filter((name) => typeof real[name] !== 'function');
        if (notFunctions.length > 0) {
          return { errors: [{ text: `proctop build: ${args.path} exports ${notFunctions.join(', ')}, which are not functions: its evaluation cannot wait for a first call` }] };
        }
        const lines = [
          'let real;',
          `const load = () => (real ??= require(${JSON.stringify(args.path)}));`,
          ...names.map((name) =>
            name === 'default'
              ? 'export default function lazyDefault(...args) { return load().default(...args); }'
              : `export function ${name}(...args) { return load().${name}(...args); }`,
          ),
        ];
        return { contents: lines.join('\n'), loader: 'js', resolveDir: process.cwd() };
      });
      let inkBundled = false;
      build.onLoad({ filter: /[\\/]ink[\\/]build[\\/]ink\.js$/ }, () => {
        inkBundled = true;
        return undefined; // loaded as usual
      });
      build.onEnd((result) => {
        // Every listed package must have been deferred in a bundle that loads Ink.
        const missing = [...packages, ...modules].filter((name) => !deferred.has(name));
        if (result.errors.length === 0 && inkBundled && missing.length > 0) {
          throw new Error(`proctop build: ${missing.join(', ')} no longer imported by the UI: the lazy-init list is stale`);
        }
      });
    },
  };
}
