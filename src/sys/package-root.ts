import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// node:fs through require, not an ES import: the process's first ES import of node:fs builds its
// ES module facade, which reads every export, lazy ones too (fs.ReadStream loads Node's whole
// stream stack, ~3-7 ms), and this module loads before the monitor's first read starts
// (src/sys/first-read.ts over native-addon.ts).
const { existsSync, readFileSync } = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');

/** The proctop package directory, found by walking up from this module (works from src/ and from the dist/ bundle). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'proctop') return dir;
      } catch {
        // unreadable manifest: keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('proctop: cannot find the package root (package.json)');
    dir = parent;
  }
}
