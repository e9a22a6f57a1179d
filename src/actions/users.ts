import { readFileSync } from 'node:fs';
import { parsePasswd } from '../sys/js/users.js';

/** uid → login name from /etc/passwd (read once; missing file → empty map). */
let names: Map<number, string> | undefined;

export function userNames(passwdPath = '/etc/passwd'): ReadonlyMap<number, string> {
  if (names) return names;
  try {
    names = new Map(parsePasswd(readFileSync(passwdPath, 'utf8')));
  } catch {
    names = new Map(); // No passwd: uids are shown as numbers.
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
