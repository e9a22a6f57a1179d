// Environment values are secrets until shown otherwise: names always, values only when asked,
// and values of secret-looking names never unless redaction is switched off explicitly.
import type { EnvEntry } from '../sys/types.js';

/** Substrings (case-insensitive) that make a variable name look secret. */
export const SECRET_NAME_PARTS: readonly string[] = ['TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'KEY', 'CREDENTIAL', 'AUTH', 'COOKIE', 'SESSION', 'PRIVATE'];

/** What replaces a secret-looking value. */
export const REDACTED = '[redacted]';

/** True when a variable name contains one of SECRET_NAME_PARTS (API_TOKEN, aws_secret_access_key, SSH_AUTH_SOCK...). */
export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_NAME_PARTS.some((part) => upper.includes(part));
}

/** How much of the environment to show. */
export type EnvDisclosure = 'names' | 'values' | 'unredacted';

/** One variable as shown: value null = not shown; redacted = the value was a secret-looking one. */
export interface ShownEnvEntry {
  readonly name: string;
  readonly value: string | null;
  readonly redacted: boolean;
}

/** Applies the disclosure level: the only place environment values leave the OS records. */
export function discloseEnvironment(entries: readonly EnvEntry[], disclosure: EnvDisclosure): ShownEnvEntry[] {
  return entries.map(({ name, value }) => {
    if (disclosure === 'names') return { name, value: null, redacted: false };
    if (disclosure === 'values' && isSecretName(name)) return { name, value: REDACTED, redacted: true };
    return { name, value, redacted: false };
  });
}
