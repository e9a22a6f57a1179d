import { readFileSync } from 'node:fs';

/** uid → login name from /etc/passwd (read once; missing file → empty map). */
let names: Map<number, string> | undefined;

export function userNames(passwdPath = '/etc/passwd'): ReadonlyMap<number, string> {
  if (names) return names;
  names = new Map();
  try {
    for (const line of readFileSync(passwdPath, 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name && uid !== undefined && /^\d+$/.test(uid) && !names.has(Number(uid))) names.set(Number(uid), name);
    }
  } catch {
    // No passwd: uids are shown as numbers.
  }
  return names;
}

/** Login name of uid, or the uid as text. */
export function userName(uid: number): string {
  return userNames().get(uid) ?? String(uid);
}

/** uid of a login name or numeric uid text; null when unknown. */
export function resolveUid(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  for (const [uid, name] of userNames()) if (name === text) return uid;
  return null;
}
