// The start-up path of the built CLI in a real terminal (tmux), as `npm run bench -- --only launch`
// measures it: the report proctop writes when PROCTOP_STARTUP_REPORT names a file
// (src/util/startup-trace.ts), and the order of the phases in it. No figure is asserted here
// (speed belongs to the bench): only that the first snapshot's read starts before the monitor's
// own modules load, that the first full frame comes after the second snapshot, and that its CPU
// figures cover at least 100 ms between the two reads' midpoints.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Script } from 'node:vm';
import { init, parse } from 'es-module-lexer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from './helpers/cli.js';
import { waitFor } from './helpers/children.js';
import { hasTmux, tmuxServer } from './helpers/tmux.js';

const SOCKET = `proctop-startup-test-${process.pid}`;
const { tmux, startShell, waitForShell, killServer } = tmuxServer(SOCKET);

/** The report: its first line (the first full frame, ms since start), then "name ms" marks in the order reached. */
function parseReport(text: string): { readonly firstFullFrameMs: number; readonly marks: ReadonlyMap<string, number>; readonly order: readonly string[] } {
  const [first = '', ...rest] = text.trim().split('\n');
  const order = rest.map((line) => line.split(' ')[0] ?? '');
  const marks = new Map(rest.map((line) => [line.split(' ')[0] ?? '', Number(line.split(' ')[1])] as const));
  return { firstFullFrameMs: Number(first), marks, order };
}

/** The files dist/cli.js loads before it runs (its static imports, and theirs), with their text. */
function staticGraph(entry: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    const text = readFileSync(file, 'utf8');
    files.set(file, text);
    // Every static import, at the start of a line or after a `;` (a minified chunk has them all on one line).
    for (const match of text.matchAll(/(?:^|;)\s*import\s*(?:[^;"'()]*?from\s*)?"(\.[^"]+)"/gm)) visit(join(dirname(file), match[1] ?? ''));
  };
  visit(entry);
  return files;
}

describe('the modules loaded before the first read starts', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);

  it('are few, and import neither node:fs nor node:tty as ES modules', () => {
    // Each file costs Node's module loader ~1 ms; an ES import of node:fs builds its facade, which
    // loads Node's whole stream stack (fs.ReadStream), and node:tty loads net and streams: all
    // before the monitor's first read could start.
    // The entry is one file: the rest of the CLI is the main script it loads (scripts/cli-bundle.mjs).
    const graph = staticGraph(join(repoRoot, 'dist', 'cli.js'));
    expect(graph.size).toBe(1);
    for (const [file, text] of graph) {
      expect(text, file).not.toMatch(/from\s*"node:(fs|tty|net|stream)"/);
    }
  });
});

describe('the main script (dist/cli-main-<hash>.js)', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);

  it('is the one the entry loads, a classic script with no module syntax, holding none of the entry\'s modules', async () => {
    const entry = readFileSync(join(repoRoot, 'dist', 'cli.js'), 'utf8');
    const named = /"\.\/(cli-main-[0-9a-f]+\.js)"/.exec(entry)?.[1];
    expect(named).toBeDefined();
    const script = readFileSync(join(repoRoot, 'dist', named as string), 'utf8');
    // A classic script: V8 compiles it as one (vm.Script) or it throws.
    expect(() => new Script(script)).not.toThrow();
    await init;
    const [imports, exports] = parse(script);
    expect(imports.filter((i) => i.d === -1 || i.d === -2)).toEqual([]);
    expect(exports).toEqual([]);
    // The entry's modules exist once, in the entry: the early read it started is the one the
    // monitor adopts, and the start-up marks are one list.
    for (const definition of ['function startFirstRead(', 'function takeFirstRead(', 'function markStartup(', 'function loadMainScript(']) {
      expect(entry, definition).toContain(definition);
      expect(script, definition).not.toContain(definition);
    }
  });
});

describe.skipIf(!hasTmux)('start-up in tmux', () => {
  let dir = '';
  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'proctop-startup-'));
  }, 120_000);

  afterAll(() => {
    killServer();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs proctop in a fresh session (`prefix` before the command, e.g. environment settings) to its first full frame, quits, and returns the report. */
  async function reportOfOneRun(session: string, prefix: string, command = './dist/cli.js --interval 1s'): Promise<string> {
    const report = join(dir, `report-${session}`);
    startShell(session, `PROCTOP_STARTUP_REPORT=${report} ${prefix} ${command}`);
    const text = await waitFor(() => (existsSync(report) && /\ncpu-ms [\d.]+\n$/.test(readFileSync(report, 'utf8')) ? readFileSync(report, 'utf8') : ''), 30_000, 50);
    tmux('send-keys', '-t', session, 'q');
    await waitForShell(session);
    return text;
  }

  it('keeps a code cache of the main script per user, uses it on the next start, and replaces one V8 rejects', async () => {
    const cacheHome = join(dir, 'cache-home');
    const env = `XDG_CACHE_HOME=${cacheHome}`;
    const cacheDir = join(cacheHome, 'proctop');
    const files = (): string[] => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((name) => name.endsWith('.bin')) : []);
    // None yet: the first start compiles the script and, once its first frame is drawn, saves what it compiled.
    expect(parseReport(await reportOfOneRun('cache1', env)).order).toContain('code-cache-none');
    const saved = await waitFor(() => (files().length === 1 ? files() : null), 10_000, 50);
    const file = join(cacheDir, saved[0] as string);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The next start takes it.
    expect(parseReport(await reportOfOneRun('cache2', env)).order).toContain('code-cache-accepted');
    // A damaged cache (same name and header, other V8 data): V8 refuses it, proctop starts as
    // without one and writes a good one.
    const garbage = Buffer.concat([readFileSync(file).subarray(0, 5), Buffer.alloc(statSync(file).size - 5, 7)]);
    writeFileSync(file, garbage, { mode: 0o600 });
    expect(parseReport(await reportOfOneRun('cache3', env)).order).toContain('code-cache-rejected');
    await waitFor(() => !readFileSync(file).equals(garbage), 10_000, 50);
    expect(parseReport(await reportOfOneRun('cache4', env)).order).toContain('code-cache-accepted');
    // One others could write is never read: V8 would run its bytecode as proctop's.
    chmodSync(file, 0o666);
    expect(parseReport(await reportOfOneRun('cache5', env)).order).toContain('code-cache-none');
    // A subcommand reads it (and, finding the monitor's, leaves it alone).
    const before = readFileSync(file);
    const version = spawnSync('./dist/cli.js', ['--version'], { env: { ...process.env, XDG_CACHE_HOME: cacheHome }, encoding: 'utf8' });
    expect(version.stdout).toMatch(/^proctop /);
    expect(readFileSync(file).equals(before)).toBe(true);
    // PROCTOP_CODE_CACHE=off: none read, none written.
    const offHome = join(dir, 'cache-off');
    expect(parseReport(await reportOfOneRun('cache6', `XDG_CACHE_HOME=${offHome} PROCTOP_CODE_CACHE=off`)).order).toContain('code-cache-off');
    expect(existsSync(join(offHome, 'proctop'))).toBe(false);
  }, 120_000);

  it("makes a subcommand's code cache as it ends, unless its input was bad, and lets the monitor replace it", async () => {
    const cacheHome = join(dir, 'cache-command');
    const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
    const cacheDir = join(cacheHome, 'proctop');
    const files = (): string[] => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((name) => name.endsWith('.bin')) : []);
    // Bad input changes nothing: no cache either.
    expect(spawnSync('./dist/cli.js', ['pstat', '--no-such-option'], { env, encoding: 'utf8' }).status).toBe(2);
    expect(files()).toEqual([]);
    const pstat = spawnSync('./dist/cli.js', ['pstat', '--json', '--pid', String(process.pid)], { env, encoding: 'utf8' });
    expect(pstat.status).toBe(0);
    expect(files()).toHaveLength(1);
    const file = join(cacheDir, files()[0] as string);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('PTC1c'); // made by a subcommand
    // The monitor takes it, and saves its own over it (it compiled far more for its first frame).
    expect(parseReport(await reportOfOneRun('cache-command', `XDG_CACHE_HOME=${cacheHome}`)).order).toContain('code-cache-accepted');
    await waitFor(() => readFileSync(file).subarray(0, 5).toString() === 'PTC1m', 10_000, 50);
  }, 90_000);

  it("loads no file writer with the monitor: write-file-atomic (node:crypto, worker_threads) comes with the first write", async () => {
    // A hook in front of proctop (node --import) lists the built-in modules loaded when it exits.
    // No code cache is made (that is a write): PROCTOP_CODE_CACHE=off.
    const hook = join(dir, 'modules-hook.mjs');
    const loaded = join(dir, 'modules-loaded');
    writeFileSync(hook, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(loaded)}, process.moduleLoadList.join('\\n')));\n`);
    await reportOfOneRun('modules', 'PROCTOP_CODE_CACHE=off', `node --import ${hook} dist/cli.js --interval 1s`);
    const list = readFileSync(loaded, 'utf8').split('\n');
    expect(list).toContain('NativeModule tty'); // the list is the real one
    // node:crypto comes only with write-file-atomic. (worker_threads, which it also requires, is
    // loaded by Node 24 itself during a run, for its lazily made globals; Node 20 loads none.)
    expect(list.filter((name) => /^NativeModule crypto$/.test(name))).toEqual([]);
    if (process.versions.node.startsWith('20.')) expect(list).not.toContain('NativeModule worker_threads');
  }, 90_000);

  it('starts the first snapshot before the monitor modules load and reports each phase up to the first full frame', async () => {
    const report = join(dir, 'report');
    const session = 'startup';
    // Through the launcher (dist/cli.js run as a program), as users start it.
    startShell(session, `PROCTOP_STARTUP_REPORT=${report} ./dist/cli.js --interval 1s`);
    // The report is written once, at the first full frame; its last line is cpu-ms.
    const text = await waitFor(() => (existsSync(report) && /\ncpu-ms [\d.]+\n$/.test(readFileSync(report, 'utf8')) ? readFileSync(report, 'utf8') : ''), 30_000, 50);
    tmux('send-keys', '-t', session, 'q');
    await waitForShell(session);

    const { firstFullFrameMs, marks, order } = parseReport(text);
    const at = (name: string): number => {
      expect(marks.has(name), `mark ${name} in:\n${text}`).toBe(true);
      return marks.get(name) as number;
    };
    expect(firstFullFrameMs).toBeGreaterThan(0);
    expect(order[0]).toBe('cli-evaluated');
    // The early start: the native reader's first read is under way before the command table and
    // the monitor command's modules (options, config, the collector) are even loaded...
    expect(order[1]).toBe('first-read-start');
    expect(at('first-read-start')).toBeLessThanOrEqual(at('monitor-main'));
    expect(at('first-read-start')).toBeLessThanOrEqual(at('collector-ready'));
    // ...and before React and Ink, which load once it has finished (the second read is timed
    // from its end, and loading the UI meanwhile would slow it down).
    expect(at('first-read-start')).toBeLessThan(at('ui-loaded'));
    expect(at('first-read-done')).toBeLessThanOrEqual(at('ui-loaded'));
    // The first full frame is the one with CPU figures: after the second snapshot (the second is
    // taken after the first is done; the first render may come before it, when the wait for it
    // runs out on a busy machine, but the report waits for a frame with CPU figures).
    expect(at('sample-2-start')).toBeGreaterThanOrEqual(at('primed-sample-done'));
    expect(at('sample-2-done')).toBeLessThanOrEqual(firstFullFrameMs);
    expect(at('render-start')).toBeLessThanOrEqual(firstFullFrameMs);
    expect(at('cpu-ms')).toBeGreaterThan(0);
    // Its CPU figures cover at least the 100 ms follow-up gap, on the two reads' own timestamps
    // (between their midpoints: the second read starts 100 ms after the middle of the first).
    expect(at('cpu-window-ms')).toBeGreaterThanOrEqual(100);
    // The first read's own stamps (the reader thread's, moved to this report's clock: printed to
    // 0.1 ms, hence the 0.2 ms allowance): its pass over the processes lies within the read (which
    // the UI may stop waiting for, on a busy machine, before it ends: first-read-done), and the
    // second read was started no sooner than 100 ms after the pass's middle.
    const passStart = at('first-read-pass-start');
    const passEnd = at('first-read-pass-end');
    // (The reader thread may begin the pass before the JS thread marks first-read-start, just
    // after starting it: the entry module's own mark is the bound that cannot race.)
    expect(passStart).toBeGreaterThanOrEqual(at('cli-evaluated') - 0.2);
    expect(passEnd).toBeGreaterThanOrEqual(passStart);
    expect(passEnd).toBeLessThanOrEqual(at('primed-sample-done') + 0.2); // decoded after the read ended
    expect(at('sample-2-start')).toBeGreaterThanOrEqual((passStart + passEnd) / 2 + 100 - 0.2);
    // The second read's own pass (read ahead by the reader thread, or read when the loop asked)
    // starts no sooner than 100 ms after the first's middle either, and ends before it is decoded.
    const secondStart = at('second-read-pass-start');
    expect(secondStart).toBeGreaterThanOrEqual((passStart + passEnd) / 2 + 100 - 0.2);
    expect(at('second-read-pass-end')).toBeGreaterThanOrEqual(secondStart);
    expect(at('second-read-pass-end')).toBeLessThanOrEqual(at('sample-2-done') + 0.2);
    // The off-screen warm-up of the first render, when there was time for it, ran after the UI
    // loaded and before the real render (it is skipped when the second snapshot is due too soon).
    if (marks.has('warm-done')) {
      expect(at('warm-done')).toBeGreaterThanOrEqual(at('ui-loaded'));
      expect(at('warm-done')).toBeLessThanOrEqual(at('render-start'));
    }
  }, 90_000);

  it('makes no Intl object before the first full frame (the first one loads ICU data: 11-19 ms)', async () => {
    // A hook in front of proctop (node --import) notes when each Intl constructor runs, on the
    // report's clock (process.uptime), and writes the list when proctop exits.
    const hook = join(dir, 'intl-hook.mjs');
    const made = join(dir, 'intl-made');
    writeFileSync(
      hook,
      `import { writeFileSync } from 'node:fs';
      const made = [];
      for (const name of ['Segmenter', 'Collator', 'NumberFormat', 'DateTimeFormat', 'PluralRules', 'ListFormat', 'RelativeTimeFormat', 'DisplayNames']) {
        Intl[name] = new Proxy(Intl[name], { construct(target, args, newTarget) { made.push(name + ' ' + process.uptime() * 1000); return Reflect.construct(target, args, newTarget); } });
      }
      // string-width's top level builds its emoji regex: it must wait for its first call (the
      // build's lazy-init plugin), not run while the UI loads.
      globalThis.RegExp = new Proxy(RegExp, { construct(target, args, newTarget) { if (String(args[0]).includes('RGI_Emoji')) made.push('RegExp-emoji ' + process.uptime() * 1000); return Reflect.construct(target, args, newTarget); } });
      process.on('exit', () => writeFileSync(${JSON.stringify(made)}, made.join('\\n') + '\\n'));
      `,
    );
    const report = join(dir, 'report-intl');
    const session = 'intl';
    startShell(session, `PROCTOP_STARTUP_REPORT=${report} node --import ${hook} dist/cli.js --interval 1s`);
    const text = await waitFor(() => (existsSync(report) && /\ncpu-ms [\d.]+\n$/.test(readFileSync(report, 'utf8')) ? readFileSync(report, 'utf8') : ''), 30_000, 50);
    tmux('send-keys', '-t', session, 'q');
    await waitForShell(session);
    const { firstFullFrameMs, marks } = parseReport(text);
    const lines = readFileSync(made, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    const intlBefore = lines.filter((line) => !line.startsWith('RegExp-') && Number(line.split(' ')[1]) <= firstFullFrameMs);
    expect(intlBefore).toEqual([]);
    const uiLoaded = marks.get('ui-loaded');
    expect(uiLoaded).toBeGreaterThan(0);
    expect(lines.filter((line) => line.startsWith('RegExp-') && Number(line.split(' ')[1]) <= (uiLoaded as number))).toEqual([]);
  }, 90_000);
});
