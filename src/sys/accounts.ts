// Who proctop runs as, from the kernel and the password database. Storage asks here (not $HOME,
// $USER or $XDG_*) because under sudo the environment may still be the calling user's.
import { readFileSync } from 'node:fs';
import { parsePasswdAccounts, type PasswdAccount } from './js/users.js';

export type { PasswdAccount } from './js/users.js';

/** The effective uid (the one the kernel checks file access against), -1 where unsupported. */
export function effectiveUid(): number {
  return process.geteuid?.() ?? -1;
}

/** The real uid (who started proctop; differs from the effective one only for set-uid runs). */
export function realUid(): number {
  return process.getuid?.() ?? -1;
}

/**
 * getpwuid: the passwd entry of uid (name, home), or null when it has none. Read fresh each call
 * (a cold path: resolving the state directory and naming the actor of an audit record).
 */
export function lookupAccount(uid: number, passwdPath = '/etc/passwd'): PasswdAccount | null {
  let text: string;
  try {
    text = readFileSync(passwdPath, 'utf8');
  } catch {
    return null; // No passwd (minimal containers): the caller falls back as it documents.
  }
  return parsePasswdAccounts(text).get(uid) ?? null;
}
