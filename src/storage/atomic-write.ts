import type { Options } from 'write-file-atomic';

/**
 * Writes `text` (or bytes) to `path` atomically with write-file-atomic (temp file beside it, renamed over it),
 * loaded on the first write: loading it loads node:crypto, worker_threads and signal-exit, ~4 ms
 * of every start of the monitor on a 2-CPU VM, and most runs never write a file.
 */
export async function writeFileAtomically(path: string, text: string | Buffer, options: Options): Promise<void> {
  const { default: writeFileAtomic } = await import('write-file-atomic');
  await writeFileAtomic(path, text, options);
}
