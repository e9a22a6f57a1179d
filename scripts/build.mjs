// Bundles the CLI and the library entry with esbuild (one file to load → fast startup), then
// emits type declarations for library users.
import { build } from 'esbuild';
import { chmodSync, renameSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
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
