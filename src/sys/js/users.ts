import type { ProcFiles } from './proc-files.js';

/** Parses /etc/passwd into uid → name (first entry wins, like getpwuid). */
export function parsePasswd(text: string): ReadonlyMap<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [name, , uidText] = line.split(':');
    const uid = Number(uidText);
    if (name && uidText !== undefined && uidText !== '' && Number.isInteger(uid) && !names.has(uid)) names.set(uid, name);
  }
  return names;
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
