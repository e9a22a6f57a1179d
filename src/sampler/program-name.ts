/**
 * Kernel comm values that name a thread, not the program: Node.js 24 names its main thread
 * "MainThread" (prctl PR_SET_NAME), so every Node process's comm reads that. Data, so another
 * runtime that does the same is one more entry.
 */
export const GENERIC_THREAD_NAMES: ReadonlySet<string> = new Set(['MainThread']);

/** The last component of a path (what follows the last '/'). */
export function basename(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

/**
 * The name people look for: the kernel comm, unless comm is a generic thread name, then the
 * basename of argv[0], else of the executable, else comm itself (a zombie keeps neither).
 */
export function programName(p: { readonly comm: string; readonly argv: readonly string[]; readonly exe: string | null }): string {
  if (!GENERIC_THREAD_NAMES.has(p.comm)) return p.comm;
  const fromArgv = p.argv[0] !== undefined ? basename(p.argv[0]).split(' ')[0] : '';
  if (fromArgv) return fromArgv;
  const fromExe = p.exe !== null ? basename(p.exe.replace(/ \(deleted\)$/, '')) : '';
  return fromExe || p.comm;
}
