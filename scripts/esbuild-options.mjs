// The esbuild options every bundle of proctop shares: the shipped CLI (scripts/build.mjs) and the
// copies `npm run bench` measures (bench/tui.mjs), so the benchmark runs what users run.
import { inkPatches } from './ink-patches-plugin.mjs';

export const BUNDLE_OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink loads react-devtools-core only when DEV is set; keep it out of the bundle.
  // write-file-atomic names its temp files from its own __filename, which an ESM bundle lacks:
  // it is loaded from node_modules (a runtime dependency).
  external: ['react-devtools-core', 'write-file-atomic'],
  banner: { js: "import { createRequire as __proctopCreateRequire } from 'node:module'; const require = __proctopCreateRequire(import.meta.url);" },
  plugins: [inkPatches()],
  logLevel: 'warning',
};
