// Bundles the CLI and the library entry with esbuild (one file to load → fast startup), then
// emits type declarations for library users.
import { build } from 'esbuild';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { BUNDLE_OPTIONS } from './esbuild-options.mjs';
import { buildCli } from './cli-bundle.mjs';

const require = createRequire(import.meta.url);
// Build beside dist/ and swap it in, so a CLI already running from dist/ keeps its chunks.
rmSync('dist.next', { recursive: true, force: true });
await build({
  ...BUNDLE_OPTIONS,
  entryPoints: { index: 'src/index.ts', 'freeze-watchdog': 'src/sys/freeze-watchdog-main.ts', 'metrics-worker': 'src/metrics/sampler-worker-main.ts' },
  outdir: 'dist.next',
  splitting: true,
  sourcemap: false,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
});
// The CLI: its entry and its main script, which the entry loads with a V8 code cache (scripts/cli-bundle.mjs).
await buildCli('dist.next');
// The man page, from the same usage texts as `proctop help` (package.json "man").
const man = spawnSync(process.execPath, ['dist.next/cli.js', 'help', '--man'], { encoding: 'utf8' });
if (man.status !== 0) throw new Error(`proctop build: the man page could not be generated: ${man.stderr}`);
writeFileSync('dist.next/proctop.1', man.stdout);
rmSync('dist.old', { recursive: true, force: true });
try {
  renameSync('dist', 'dist.old');
} catch {
  // first build: no dist yet
}
renameSync('dist.next', 'dist');
// A bundle-only build (--no-types, as `npm test` runs it) keeps the declarations it found, so
// package.json's "types" never points at nothing; the full build rewrites them below.
try {
  renameSync('dist.old/types', 'dist/types');
} catch {
  // no declarations yet
}
rmSync('dist.old', { recursive: true, force: true });
if (!process.argv.includes('--no-types')) {
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly'], { stdio: 'inherit' });
  if (tsc.status !== 0) console.warn('proctop build: type declarations not emitted (tsc reported errors above)');
}
