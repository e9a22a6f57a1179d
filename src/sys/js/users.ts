import type { ProcFiles } from './proc-files.js';

/** One passwd entry: what getpwuid returns that proctop uses. */
export interface PasswdAccount {
  readonly uid: number;
  /** Login name. */
  readonly name: string;
  /** Home directory (field 6); empty when the entry has none. */
  readonly home: string;
}

/** Parses /etc/passwd into uid → entry (first entry wins, like getpwuid). */
export function parsePasswdAccounts(text: string): ReadonlyMap<number, PasswdAccount> {
  const accounts = new Map<number, PasswdAccount>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [name, , uidText, , , home = ''] = line.split(':');
    const uid = Number(uidText);
    if (name && uidText !== undefined && uidText !== '' && Number.isInteger(uid) && !accounts.has(uid)) accounts.set(uid, { uid, name, home });
  }
  return accounts;
}

/** Parses /etc/passwd into uid → name (first entry wins, like getpwuid). */
export function parsePasswd(text: string): ReadonlyMap<number, string> {
  return new Map([...parsePasswdAccounts(text)].map(([uid, account]) => [uid, account.name]));
}

// A uid missing from passwd may belong to an account added since: re-read, but not on every refresh.
const RELOAD_AFTER_MS = 30_000;

/** uid → user name from a passwd file, cached; the uid as a string when it has no entry. */
export class UserNames {
  private names: ReadonlyMap<number, string> | undefined;
  private loadedAtMs = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly files: ProcFiles,
    private readonly passwdPath = '/etc/passwd',
  ) {}

  /** Resolves names for uids; reloads passwd at most every 30 s when one is unknown. */
  async prepare(uids: Iterable<number>): Promise<void> {
    const stale = Date.now() - this.loadedAtMs > RELOAD_AFTER_MS;
    const missing = this.names === undefined || [...uids].some((uid) => !this.names?.has(uid));
    if (this.names !== undefined && !(missing && stale)) return;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    await this.loading;
  }

  /** Name of uid after prepare(); the uid as a string when unknown. */
  nameOf(uid: number): string {
    return this.names?.get(uid) ?? String(uid);
  }

  private async load(): Promise<void> {
    try {
      this.names = parsePasswd(await this.files.readText(this.passwdPath));
    } catch {
      this.names ??= new Map();
    }
    this.loadedAtMs = Date.now();
  }
}
