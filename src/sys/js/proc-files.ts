import fs from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { decodeBytes } from './byte-text.js';

/**
 * The few filesystem operations the JS reader needs. Injectable so tests can simulate errors
 * (EACCES as root, ESRCH mid-read) that a fixture tree cannot produce by itself.
 */
export interface ProcFiles {
  /** Names in a directory. */
  listDir(path: string): Promise<string[]>;
  /** Whole content of a small (pseudo-)file as UTF-8 (invalid bytes kept, see decodeBytes). */
  readText(path: string): Promise<string>;
  /** Target of a symlink (invalid UTF-8 bytes kept, see decodeBytes). */
  readLink(path: string): Promise<string>;
  /** Owner uid of a file or directory (not following a final symlink). */
  ownerUid(path: string): Promise<number>;
}

// /proc files report size 0, so read in chunks until a short read instead of trusting fstat.
const CHUNK_BYTES = 4096;

// Callback fs with one promise per file: open, read, close cost three pool hops and no FileHandle.
function readSmallFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    fs.open(path, 'r', (openErr, fd) => {
      if (openErr) return reject(openErr);
      const chunks: Buffer[] = [];
      const finish = (err: Error | null, text?: string): void =>
        fs.close(fd, () => (err ? reject(err) : resolve(text ?? '')));
      const readMore = (): void => {
        const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
        fs.read(fd, chunk, 0, CHUNK_BYTES, null, (readErr, bytesRead) => {
          if (readErr) return finish(readErr);
          chunks.push(chunk.subarray(0, bytesRead));
          if (bytesRead === CHUNK_BYTES) return readMore();
          finish(null, decodeBytes(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
        });
      };
      readMore();
    });
  });
}

/** A file's text, or the error (with its errno code) that stopped reading it. */
export type FileText = { readonly text: string; readonly error: null } | { readonly text: null; readonly error: unknown };

/** What ProcFileBatch.read resolves to: `files[i * names.length + k]` is name k of pid i. */
export interface BatchedFiles {
  readonly files: readonly FileText[];
  /** Per pid, when asked: the entries of /proc/PID/fd counted, or the error that stopped it. */
  readonly fdCounts: readonly (number | Error)[];
}

/**
 * Named files of many processes read in one call (the native addon's readProcFiles, on a worker
 * thread): per pid, its fd entries counted when asked, then each name in order. The JS way costs
 * three thread-pool round trips a file.
 */
export interface ProcFileBatch {
  read(pids: readonly number[], names: readonly string[], countFds: boolean): Promise<BatchedFiles>;
}

/** The real filesystem. */
export const nodeProcFiles: ProcFiles = {
  listDir: (path) => readdir(path),
  readText: readSmallFile,
  readLink: async (path) => decodeBytes(await readlink(path, { encoding: 'buffer' })),
  ownerUid: async (path) => (await lstat(path)).uid,
};

/** errno code of a filesystem error, or undefined. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** The process is gone (or going): skip it silently. */
export function isVanished(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ESRCH';
}

