// Where the main script's V8 code cache lives and which files are trusted (src/util/main-script.ts).
// V8 runs an accepted cache's bytecode as the script's own, so a file anyone else could have
// written must never be read. The whole cycle (none → saved → accepted → rejected → replaced) runs
// on the built CLI in test/e2e-startup.test.ts.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeCacheDir, codeCacheFile, loadMainScript, noteV8FlagsChanged, readCodeCache, saveCodeCache } from '../src/util/main-script.js';

const dir = mkdtempSync(join(tmpdir(), 'proctop-code-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.geteuid?.() === 0;
const NOBODY = 65534;

describe('codeCacheDir', () => {
  it('is $XDG_CACHE_HOME/proctop, else ~/.cache/proctop', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: dir, HOME: '/nowhere' })).toBe(join(dir, 'proctop'));
    expect(codeCacheDir({ HOME: dir })).toBe(join(dir, '.cache', 'proctop'));
    // A relative XDG_CACHE_HOME is ignored, as the XDG spec says.
    expect(codeCacheDir({ XDG_CACHE_HOME: 'relative', HOME: dir })).toBe(join(dir, '.cache', 'proctop'));
    expect(codeCacheDir({})).toBeNull();
  });

  it('is none when PROCTOP_CODE_CACHE is off', () => {
    for (const off of ['off', 'OFF', '0', 'false']) expect(codeCacheDir({ XDG_CACHE_HOME: dir, PROCTOP_CODE_CACHE: off })).toBeNull();
    expect(codeCacheDir({ XDG_CACHE_HOME: dir, PROCTOP_CODE_CACHE: 'on' })).toBe(join(dir, 'proctop'));
  });

  it.skipIf(!isRoot)("is none in a home that is not the effective user's (root under sudo with the caller's $HOME)", () => {
    const home = join(dir, 'someone-else');
    mkdirSync(home);
    chownSync(home, NOBODY, NOBODY);
    expect(codeCacheDir({ HOME: home })).toBeNull();
    expect(codeCacheDir({ XDG_CACHE_HOME: join(home, 'not-yet-made') })).toBeNull(); // judged by the nearest existing directory
  });
});

describe('codeCacheFile', () => {
  it("names the script's hash and this Node, with its V8 flags", () => {
    const file = codeCacheFile('/c', '/dist/cli-main-0123456789abcdef.js');
    expect(file).toMatch(/^\/c\/code-0123456789abcdef-[0-9a-f]{8}\.bin$/);
    const saved = process.execArgv;
    try {
      // Other V8 flags, another file: V8 would reject this one under them, and each start would rewrite it.
      Object.defineProperty(process, 'execArgv', { value: ['--max-semi-space-size=2'], configurable: true, writable: true });
      expect(codeCacheFile('/c', '/dist/cli-main-0123456789abcdef.js')).not.toBe(file);
    } finally {
      Object.defineProperty(process, 'execArgv', { value: saved, configurable: true, writable: true });
    }
    expect(codeCacheFile('/c', '/dist/cli-main-0123456789abcdef.js')).toBe(file);
    expect(codeCacheFile('/c', '/dist/cli-main-fedcba9876543210.js')).not.toBe(file);
  });
});

describe('readCodeCache', () => {
  const cacheDir = join(dir, 'cache');
  mkdirSync(cacheDir, { mode: 0o700 });
  // A cache file: "PTC1", its maker ("m" the monitor, "c" a subcommand), V8's data.
  const make = (name: string, mode = 0o600, bytes = Buffer.from('PTC1mcache bytes')): string => {
    const file = join(cacheDir, name);
    writeFileSync(file, bytes, { mode });
    chmodSync(file, mode);
    return file;
  };

  it("reads the effective user's own private file: its maker and V8's data", () => {
    const read = readCodeCache(make('own.bin'));
    expect(read?.maker).toBe('monitor');
    expect(read?.data.toString()).toBe('cache bytes');
    expect(readCodeCache(make('by-a-command.bin', 0o600, Buffer.from('PTC1cxyz')))?.maker).toBe('command');
    expect(readCodeCache(join(cacheDir, 'absent.bin'))).toBeNull();
  });

  it('reads nothing from a file that is not one of its caches (another header, another maker)', () => {
    expect(readCodeCache(make('bare-v8-data.bin', 0o600, Buffer.from('cache bytes')))).toBeNull();
    expect(readCodeCache(make('other-maker.bin', 0o600, Buffer.from('PTC1xcache')))).toBeNull();
    expect(readCodeCache(make('empty.bin', 0o600, Buffer.alloc(0)))).toBeNull();
  });

  it('never reads a file others can write, a symlink, or something that is not a file', () => {
    expect(readCodeCache(make('group-writable.bin', 0o620))).toBeNull();
    expect(readCodeCache(make('world-writable.bin', 0o602))).toBeNull();
    const target = make('target.bin');
    symlinkSync(target, join(cacheDir, 'link.bin'));
    expect(readCodeCache(join(cacheDir, 'link.bin'))).toBeNull();
    mkdirSync(join(cacheDir, 'a-directory.bin'));
    expect(readCodeCache(join(cacheDir, 'a-directory.bin'))).toBeNull();
  });

  it('never reads from a directory others can write', () => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const file = join(open, 'x.bin');
    writeFileSync(file, 'PTC1mcache bytes', { mode: 0o600 });
    expect(readCodeCache(file)).toBeNull();
  });

  it.skipIf(!isRoot)("never reads another user's file", () => {
    const file = make('nobodys.bin');
    chownSync(file, NOBODY, NOBODY);
    expect(readCodeCache(file)).toBeNull();
  });
});

describe('loadMainScript and saveCodeCache', () => {
  it('runs the script with its parameters, saves what V8 compiled once, then loads with it; keeps the four newest caches', async () => {
    const home = join(dir, 'load-home');
    mkdirSync(home);
    const env = { XDG_CACHE_HOME: home };
    const scriptFile = join(dir, 'cli-main-00aa11bb22cc33dd.js');
    // A script as scripts/script-wrap.mjs makes them: an async function of its parameters.
    writeFileSync(
      scriptFile,
      `(async function(require, __proctopBuiltin, __proctopImport, __proctopImportMeta, __proctopFilename, __proctopShared) {'use strict';
        const os = __proctopBuiltin('node:os');
        const marks = __proctopShared('src/util/startup-trace.ts');
        function main(argv) { return Promise.resolve([argv.join(' '), typeof os.endianness, marks.shared, __proctopImportMeta.url, __proctopFilename]); }
        return { main };
      })`,
    );
    const cacheDir = join(home, 'proctop');
    // Older caches of other builds: only the four newest files stay once a new one is written.
    mkdirSync(cacheDir, { mode: 0o700 });
    const old = ['code-01-01.bin', 'code-02-02.bin', 'code-03-03.bin', 'code-04-04.bin'].map((name, i) => {
      const file = join(cacheDir, name);
      writeFileSync(file, 'old', { mode: 0o600 });
      utimesSync(file, 1000 + i, 1000 + i);
      return file;
    });
    const url = pathToFileURL(scriptFile);
    const shared = { 'src/util/startup-trace.ts': { shared: 'yes' } };
    const first = await loadMainScript(url, shared, env);
    expect(await first.main(['a', 'b'])).toEqual(['a b', 'function', 'yes', url.href, scriptFile]);
    const written: string[] = [];
    const write = async (file: string, data: Buffer): Promise<void> => {
      written.push(file);
      writeFileSync(file, data, { mode: 0o600 });
    };
    expect(await saveCodeCache(write, 'command')).toBe(true);
    const file = codeCacheFile(cacheDir, scriptFile);
    expect(written).toEqual([file]);
    expect(statSync(file).size).toBeGreaterThan(0);
    expect(existsSync(old[0] as string)).toBe(false); // the oldest went
    expect(readdirSync(cacheDir).sort()).toEqual([...old.slice(1).map((f) => f.slice(cacheDir.length + 1)), file.slice(cacheDir.length + 1)].sort());
    expect(readCodeCache(file)?.maker).toBe('command');
    // Saved once: a second call writes nothing.
    expect(await saveCodeCache(write, 'command')).toBe(false);
    // The next load takes the cache: a subcommand has nothing to save, the monitor replaces a
    // subcommand's cache with its own (it compiled more), once.
    const second = await loadMainScript(url, shared, env);
    expect(await second.main(['c'])).toEqual(['c', 'function', 'yes', url.href, scriptFile]);
    expect(await saveCodeCache(write, 'command')).toBe(false);
    expect(await saveCodeCache(write, 'monitor')).toBe(true);
    expect(readCodeCache(file)?.maker).toBe('monitor');
    expect(await saveCodeCache(write, 'monitor')).toBe(false);
    const third = await loadMainScript(url, shared, env);
    expect(await third.main(['d'])).toEqual(['d', 'function', 'yes', url.href, scriptFile]);
    expect(await saveCodeCache(write, 'monitor')).toBe(false); // the monitor's own: kept
    expect(written).toHaveLength(2);
    // Once a V8 flag has changed at run time, nothing is saved: V8 would reject it at the next start.
    rmSync(file);
    await loadMainScript(url, shared, env);
    noteV8FlagsChanged();
    expect(await saveCodeCache(write, 'monitor')).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it('says which entry module a script asked for when the entry does not have it', async () => {
    const scriptFile = join(dir, 'cli-main-ffee00.js');
    writeFileSync(scriptFile, `(async function(require, b, i, m, f, __proctopShared) { return { x: __proctopShared('src/missing.ts') }; })`);
    await expect(loadMainScript(pathToFileURL(scriptFile), {}, { PROCTOP_CODE_CACHE: 'off' })).rejects.toThrow(/asked for src\/missing\.ts, which the entry does not have/);
  });
});
