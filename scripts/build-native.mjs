// Builds the native addon from source (build/Release/proctop.node), but never fails: without the
// addon proctop runs on the pure-JS backend and says so once.
//   node scripts/build-native.mjs              rebuild (after changing native/)
//   node scripts/build-native.mjs --if-needed  npm's install hook, node-gyp-build style: nothing to
//                                              do when an addon already loads (the prebuild shipped
//                                              in prebuilds/linux-x64/, or an earlier build that is
//                                              newer than every file in native/ and binding.gyp)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { nodeGypScript, nodeHeadersDir } from './native-toolchain.mjs';

const require = createRequire(import.meta.url);

/** Newest modification time under native/ and of binding.gyp (0 where they are absent). */
function newestSourceMtimeMs(dir = 'native') {
  let newest = 0;
  try {
    newest = statSync('binding.gyp').mtimeMs;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      newest = Math.max(newest, entry.isDirectory() ? newestSourceMtimeMs(path) : statSync(path).mtimeMs);
    }
  } catch {
    // no sources shipped: nothing can be newer
  }
  return newest;
}

if (process.argv.includes('--if-needed')) {
  try {
    const path = require('node-gyp-build').path(process.cwd());
    // A build from an older checkout (git merge brought new C++) is rebuilt, not reused.
    const fromSource = !relative(join(process.cwd(), 'build'), path).startsWith('..');
    if (fromSource && statSync(path).mtimeMs < newestSourceMtimeMs()) throw new Error('stale build');
    require(path);
    console.log(`proctop: native addon ready (${path}); nothing to build`);
    process.exit(0);
  } catch {
    // no prebuild fits this platform, or it does not load: build from source below
  }
}
const nodeGyp = nodeGypScript();
if (!nodeGyp) {
  console.warn('proctop: node-gyp not found; the native addon was not built. proctop will use the JS fallback backend.');
  process.exit(0);
}
const args = [nodeGyp, 'rebuild'];
const nodedir = nodeHeadersDir();
if (nodedir) args.push(`--nodedir=${nodedir}`);
const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.status !== 0) {
  const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  console.warn(`${tail}\nproctop: the native addon could not be built (see above). Install still succeeded; proctop will use the slower JS fallback backend.`);
} else {
  console.log('proctop: native addon built (build/Release/proctop.node)');
}
process.exit(0);
