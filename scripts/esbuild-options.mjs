// The esbuild options every bundle of proctop shares: the shipped CLI (scripts/build.mjs) and the
// copies `npm run bench` measures (bench/tui.mjs), so the benchmark runs what users run.
import { inkPatches } from './ink-patches-plugin.mjs';

export const BUNDLE_OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies that use __filename (write-file-atomic names its temp files with it) get
  // the bundle file's own path, which the banner defines: ESM has no __filename.
  define: { 'process.env.NODE_ENV': '"production"', __filename: '__proctopFilename' },
  // Ink loads react-devtools-core only when DEV is set; keep it out of the bundle.
  external: ['react-devtools-core'],
  banner: {
    js: "import { createRequire as __proctopCreateRequire } from 'node:module'; import { fileURLToPath as __proctopFileURLToPath } from 'node:url'; const require = __proctopCreateRequire(import.meta.url); const __proctopFilename = __proctopFileURLToPath(import.meta.url);",
  },
  plugins: [inkPatches()],
  logLevel: 'warning',
};
