// The owner of a path that may not exist yet: a state or cache home is judged by the nearest
// directory that does (the state directory, src/storage/state-dir.ts; the code cache,
// src/util/main-script.ts). node:fs through require: this module is in the CLI's entry, where an ES
// import of node:fs would load Node's stream modules before the first read starts.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const { statSync } = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');

/** Owner uid of `path`, or of its nearest existing ancestor (null when none can be read). */
export function ownerOfNearest(path: string): number | null {
  for (let p = path; ; p = dirname(p)) {
    try {
      return statSync(p).uid;
    } catch {
      if (dirname(p) === p) return null;
    }
  }
}
