// Issue 12 §3: a read-only state directory is reported as read-only (EROFS), not as a missing
// file (Node's recursive mkdir says ENOENT there).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDirectories } from '../src/storage/make-dirs.js';
import { killStartedChildren, startChild } from './helpers/children.js';
import { builtCliPath } from './helpers/cli.js';

describe('makeDirectories', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'proctop-mkdirs-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('makes every missing level with the mode asked, and accepts what exists', async () => {
    const deep = join(root, 'a', 'b', 'c');
    await makeDirectories(deep, 0o700);
    await makeDirectories(deep, 0o700);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(join(root, 'a')).mode & 0o777).toBe(0o700);
  });
});

describe('a read-only state directory (a private mount namespace with a read-only tmpfs)', () => {
  let cli: string;
  let mountPoint: string;
  beforeAll(async () => {
    cli = await builtCliPath();
    mountPoint = mkdtempSync(join(tmpdir(), 'proctop-ro-'));
  });
  afterAll(async () => {
    await killStartedChildren();
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('kill still signals, and the audit warning says EROFS', () => {
    const sleeper = startChild('sleep', ['300'], { detached: true }); // its own group: an ordinary target
    // unshare -m (root) or -rm (a user namespace otherwise): the mount is seen by this command only.
    const unshareFlags = process.getuid?.() === 0 ? '-m' : '-rm';
    const script = 'mount -t tmpfs -o ro,size=64k tmpfs "$1" && XDG_STATE_HOME="$1/state" exec "$2" "$3" kill "$4" -s CONT';
    const r = spawnSync('unshare', [unshareFlags, 'sh', '-c', script, 'sh', mountPoint, process.execPath, cli, String(sleeper.pid)], { encoding: 'utf8', timeout: 30_000 });
    expect(r.error).toBeUndefined();
    expect(r.stdout).toMatch(new RegExp(`\\b${sleeper.pid}\\b.*sent`));
    expect(r.stderr).toMatch(/audit log not written .*EROFS: read-only file system/);
    expect(r.stderr).not.toMatch(/ENOENT/);
  });
});
