// Bundles the CLI and the library entry with esbuild (one file to load → fast startup), then
// emits type declarations for library users.
import { build } from 'esbuild';
import { chmodSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Ink tokenizes every written line into styled characters again on every frame (its caches live
 * for one frame). Most lines of a refresh are unchanged, so keep those caches across frames
 * (bounded: dropped whole after ~500 distinct lines, a few MB). Cached entries are never mutated by Ink's Output.
 */
const inkOutputCachePlugin = {
  name: 'ink-output-cache',
  setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]output\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const field = '    caches = new OutputCaches();';
      if (!source.includes(field)) {
        console.warn('proctop build: Ink output.js changed; frame caches stay per frame');
        return { contents: source, loader: 'js' };
      }
      const shared = [
        'let sharedCaches = new OutputCaches();',
        'function frameCaches() {',
        '    if (sharedCaches.styledChars.size > 500 || sharedCaches.widths.size > 5000 || sharedCaches.blockWidths.size > 500) sharedCaches = new OutputCaches();',
        '    return sharedCaches;',
        '}',
        '',
      ].join('\n');
      const contents = source.replace('export default class Output', `${shared}export default class Output`).replace(field, '    caches = frameCaches();');
      return { contents, loader: 'js' };
    });
  },
};
// Build beside dist/ and swap it in, so a CLI already running from dist/ keeps its chunks.
rmSync('dist.next', { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli.tsx', index: 'src/index.ts' },
  outdir: 'dist.next',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink loads react-devtools-core only when DEV is set; keep it out of the bundle.
  external: ['react-devtools-core'],
  banner: { js: "import { createRequire as __proctopCreateRequire } from 'node:module'; const require = __proctopCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  plugins: [inkOutputCachePlugin],
});
chmodSync('dist.next/cli.js', 0o755);
rmSync('dist.old', { recursive: true, force: true });
try {
  renameSync('dist', 'dist.old');
} catch {
  // first build: no dist yet
}
renameSync('dist.next', 'dist');
rmSync('dist.old', { recursive: true, force: true });
if (!process.argv.includes('--no-types')) {
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly'], { stdio: 'inherit' });
  if (tsc.status !== 0) console.warn('proctop build: type declarations not emitted (tsc reported errors above)');
}
