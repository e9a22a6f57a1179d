import type { Options } from 'write-file-atomic';

/**
 * Writes `data` to `path` atomically with write-file-atomic (temp file beside it, renamed over it),
 * loaded on the first write: loading it loads node:crypto, worker_threads and signal-exit, ~4 ms
 * of every start of the monitor on a 2-CPU VM, and most runs never write a file.
 */
export async function writeFileAtomically(path: string, data: string | Buffer, options: Options): Promise<void> {
  const { default: writeFileAtomic } = await import('write-file-atomic');
  await writeFileAtomic(path, data, options);
}

/**
 * The code cache's writer (saveCodeCache in src/util/main-script.ts, called by the monitor and by
 * subcommands): private to the user, and no fsync, as a cache a crash loses is simply made again.
 */
export function writeCodeCacheFile(path: string, data: Buffer): Promise<void> {
  return writeFileAtomically(path, data, { mode: 0o600, fsync: false });
}
