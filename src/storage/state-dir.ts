// Placeholder until helper i11 lands the real state-dir module (same exported API): the
// effective user's proctop state directory, 0700.
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export interface StateDirOptions {
  readonly env?: NodeJS.ProcessEnv;
}

export function stateDirPath(options: StateDirOptions = {}): string {
  const env = options.env ?? process.env;
  const xdg = env.XDG_STATE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'state'), 'proctop');
}

export async function ensureStateDir(options: StateDirOptions & { readonly dir?: string } = {}): Promise<string> {
  const dir = options.dir ?? stateDirPath(options);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}
