// Bundles proctop's library (src/index.ts) into bench/bin for the bench and its tools: not into
// dist/, which `npm test` rebuilds concurrently.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../scripts/esbuild-options.mjs';
import { binDir } from './compile.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** Where bundleLibrary writes the library (children of the bench import it from there too). */
export const LIBRARY_BUNDLE = join(binDir, 'proctop-lib.mjs');

/** Bundles the library and imports it; returns the module and the bundle's path. */
export async function bundleLibrary() {
  const outfile = LIBRARY_BUNDLE;
  await build({ ...BUNDLE_OPTIONS, entryPoints: [join(root, 'src', 'index.ts')], outfile });
  return { lib: await import(pathToFileURL(outfile).href), path: outfile };
}
