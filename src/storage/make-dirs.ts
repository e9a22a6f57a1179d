import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * mkdir -p with the real error: Node's `mkdir(path, { recursive: true })` reports ENOENT when the
 * file system is read-only, so a read-only state or config directory read as "no such file". Here
 * each missing level is made in turn and the kernel's own errno (EROFS, EACCES...) comes back.
 */
export async function makeDirectories(path: string, mode: number): Promise<void> {
  try {
    await mkdir(path, { mode });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(path) === path) throw err;
    await makeDirectories(dirname(path), mode);
    try {
      await mkdir(path, { mode });
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
}
