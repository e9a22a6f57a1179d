// npm's prepack hook: builds the N-API addon from source with prebuildify into
// prebuilds/linux-x64/node.napi.glibc.node (and the reader process, proctop-reader, beside it), so the packed package runs natively with no compiler
// and no install script. N-API is ABI-stable: one build serves Node 20, 22 and 24. Unlike the
// install hook this fails loudly: a package must not ship without its prebuild.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { nodeGypScript, nodeHeadersDir } from './native-toolchain.mjs';

const require = createRequire(import.meta.url);
const nodeGyp = nodeGypScript();
if (!nodeGyp) {
  console.error('proctop prebuild: node-gyp not found (npm ci installs it as a dev dependency)');
  process.exit(1);
}
rmSync('prebuilds', { recursive: true, force: true });
const nodedir = nodeHeadersDir();
const result = spawnSync(
  process.execPath,
  // --name node.napi: node-gyp-build reads the tags "node", "napi" and "glibc" from the file name.
  [require.resolve('prebuildify/bin.js'), '--napi', '--strip', '--tag-libc', '--name', 'node.napi', '--target', process.versions.node, '--node-gyp', nodeGyp],
  { stdio: 'inherit', env: { ...process.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) } },
);
if (result.status !== 0) process.exit(result.status ?? 1);
// The reader process (native/reader/main.cc) is found beside the addon that spawns it: it ships
// in the prebuild's directory, stripped like the addon.
const reader = join('build', 'Release', 'proctop-reader');
if (!existsSync(reader)) {
  console.error(`proctop prebuild: ${reader} was not built`);
  process.exit(1);
}
const shipped = join('prebuilds', `${process.platform}-${process.arch}`, 'proctop-reader');
copyFileSync(reader, shipped);
chmodSync(shipped, 0o755);
spawnSync('strip', [shipped], { stdio: 'inherit' });
process.exit(0);
