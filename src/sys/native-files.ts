// Decodes what the addon's readProcFiles resolves to (native/files_binding.cc): the ProcFileBatch
// of the native collector's extras reader (src/sys/js/extras.ts).
import { getSystemErrorName } from 'node:util';
import { byteColumn, numberColumn, type PackedColumns } from './native-columns.js';
import { decodeBytes } from './js/byte-text.js';
import type { BatchedFiles, FileText, ProcFileBatch } from './js/proc-files.js';

/** An errno from the addon as the error Node's fs would give: its code (ENOENT, EACCES...) named. */
function errnoError(errno: number): Error {
  let code: string;
  try {
    code = getSystemErrorName(-errno);
  } catch {
    code = `errno ${errno}`;
  }
  return Object.assign(new Error(code), { code, errno: -errno });
}

/** The texts and fd counts of one readProcFiles answer, for `targets` pids of `names` files each. */
export function unpackProcFiles(packed: PackedColumns, targets: number, names: number, countFds: boolean): BatchedFiles {
  const errors = numberColumn(packed, 'errors');
  const lengths = numberColumn(packed, 'lengths');
  const bytes = byteColumn(packed, 'bytes');
  const counts = numberColumn(packed, 'fdCounts');
  if (errors.length !== targets * names || lengths.length !== targets * names || counts.length !== (countFds ? targets : 0)) {
    throw new Error(`native addon: readProcFiles answered ${errors.length} reads and ${counts.length} fd counts for ${targets} processes of ${names} files (addon and decoder out of step: rebuild the addon)`);
  }
  const files: FileText[] = new Array(errors.length);
  let at = 0;
  for (let i = 0; i < errors.length; i++) {
    const errno = errors[i] as number;
    const end = at + (lengths[i] as number);
    // A string of its own per file (as the JS reader's), invalid UTF-8 kept as the JS reader keeps it.
    files[i] = errno === 0 ? { text: decodeBytes(bytes.subarray(at, end)), error: null } : { text: null, error: errnoError(errno) };
    at = end;
  }
  if (at !== bytes.length) throw new Error(`native addon: readProcFiles answered ${bytes.length} bytes, its lengths add up to ${at} (rebuild the addon)`);
  const fdCounts: (number | Error)[] = new Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] as number;
    fdCounts[i] = count >= 0 ? count : errnoError(-count);
  }
  return { files, fdCounts };
}

/** The addon's readProcFiles as a ProcFileBatch over procRoot. */
export function nativeFileBatch(readProcFiles: (procRoot: string, pids: readonly number[], names: readonly string[], options: { readonly countFds: boolean }) => Promise<PackedColumns>, procRoot: string): ProcFileBatch {
  return {
    read: async (pids, names, countFds) => unpackProcFiles(await readProcFiles(procRoot, pids, names, { countFds }), pids.length, names.length, countFds),
  };
}
