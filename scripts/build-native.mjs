// npm "install" hook: build the native addon, but never fail the install. Without the addon
// proctop runs on the pure-JS backend and says so once.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
let nodeGyp = process.env.npm_config_node_gyp;
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  // fall back to the node-gyp that ships with npm
}
if (!nodeGyp || !existsSync(nodeGyp)) {
  console.warn('proctop: node-gyp not found; the native addon was not built. proctop will use the JS fallback backend.');
  process.exit(0);
}
// Build against the headers of the running Node when they are installed beside it: no download
// (this machine's network reaches only package registries).
const args = [nodeGyp, 'rebuild'];
const prefix = dirname(dirname(process.execPath));
const nodedir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : '');
if (nodedir) args.push(`--nodedir=${nodedir}`);
const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.status !== 0) {
  const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  console.warn(`${tail}\nproctop: the native addon could not be built (see above). Install still succeeded; proctop will use the slower JS fallback backend.`);
} else {
  console.log('proctop: native addon built (build/Release/proctop.node)');
}
process.exit(0);
