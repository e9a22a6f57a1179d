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
  return readAccounts(passwdPath).get(uid) ?? null;
}

/** The passwd file's accounts by uid; empty when there is none (minimal containers). */
function readAccounts(passwdPath: string): ReadonlyMap<number, PasswdAccount> {
  try {
    return parsePasswdAccounts(readFileSync(passwdPath, 'utf8'));
  } catch {
    return new Map(); // the callers fall back as they document
  }
}

/** getpwnam for --user: the uid of a login name, or of numeric uid text as is; null when unknown. */
export function lookupUid(text: string, passwdPath = '/etc/passwd'): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  for (const account of readAccounts(passwdPath).values()) if (account.name === text) return account.uid;
  return null;
}
