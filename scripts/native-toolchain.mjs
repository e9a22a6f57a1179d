// How proctop finds node-gyp and Node's headers, shared by the source build (build-native.mjs)
// and the prebuild (prebuild.mjs). Headers come from the running Node's own prefix when they are
// installed there: this machine's network reaches only package registries, so node-gyp must not
// try to download them.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** node-gyp's CLI script: the dev dependency, else the one npm ships (npm_config_node_gyp), else null. */
export function nodeGypScript() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const bundled = process.env.npm_config_node_gyp;
    return bundled && existsSync(bundled) ? bundled : null;
  }
}

/**
 * A directory holding include/node/node_api.h: the running Node's own prefix, else a system-wide
 * install (Debian's nodejs puts them in /usr). N-API headers of any Node >= 16 build an addon for
 * NAPI_VERSION 8 that loads in every later Node, so another version's headers serve as well.
 * '' when there are none (node-gyp then downloads them).
 */
export function nodeHeadersDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const candidates = [dirname(dirname(process.execPath)), '/usr/local', '/usr'];
  return candidates.find((prefix) => existsSync(join(prefix, 'include', 'node', 'node_api.h'))) ?? '';
}
