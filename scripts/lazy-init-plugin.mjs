// esbuild plugin: modules whose top level is slow to run are evaluated at their first call, not
// when the UI chunk loads. string-width builds Unicode property regexes (\p{RGI_Emoji} with the v
// flag: ~9 ms) and an Intl.Segmenter (ICU's break-iterator data: ~6 ms) as it is imported; the
// monitor's first frame rarely measures a character that needs them (the Ink patches measure
// one-column text without it), and everything it does need waits for those 15 ms on the way to
// the first full frame (bench: `--only launch`). Nothing of the dependency changes: each import of
// a listed package gets a module exporting the same names, each a function that evaluates the real
// module once (esbuild's lazy `require` of a bundled ES module) and calls through to it.
// Only functions can be deferred like that: the build fails when a listed package exports anything
// else, or when one of them is not bundled at all (a renamed package would silently stay eager).
import { pathToFileURL } from 'node:url';

/** Packages (as imported) whose evaluation waits for their first call. */
export const LAZY_INIT_PACKAGES = ['string-width'];

const NAMESPACE = 'proctop-lazy-init';

export function lazyInit(packages = LAZY_INIT_PACKAGES) {
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
        const missing = packages.filter((name) => !deferred.has(name));
        if (result.errors.length === 0 && inkBundled && missing.length > 0) {
          throw new Error(`proctop build: ${missing.join(', ')} no longer imported by the UI: the lazy-init list is stale`);
        }
      });
    },
  };
}
