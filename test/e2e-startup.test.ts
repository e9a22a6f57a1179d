// The start-up path of the built CLI in a real terminal (tmux), as `npm run bench -- --only launch`
// measures it: the report proctop writes when PROCTOP_STARTUP_REPORT names a file
// (src/util/startup-trace.ts), and the order of the phases in it. No figure is asserted here
// (speed belongs to the bench): only that the first snapshot's read starts before the monitor's
// own modules load, that the first full frame comes after the second snapshot, and that its CPU
// figures cover at least 100 ms between the two reads' midpoints.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
    const graph = staticGraph(join(repoRoot, 'dist', 'cli.js'));
    expect(graph.size).toBeLessThanOrEqual(6);
    for (const [file, text] of graph) {
      expect(text, file).not.toMatch(/from\s*"node:(fs|tty|net|stream)"/);
    }
  });

  it("load no file writer with the monitor: write-file-atomic (node:crypto, worker_threads) comes with the first write", () => {
    const chunks = join(repoRoot, 'dist', 'chunks');
    const entries = readdirSync(chunks).filter((name) => /^(cli-run|monitor|run-interactive)-[A-Z0-9]+\.js$/.test(name));
    expect(entries.length).toBe(3);
    const graph = new Map<string, string>();
    for (const entry of entries) for (const [file, text] of staticGraph(join(chunks, entry))) graph.set(file, text);
    expect([...graph.values()].some((text) => text.includes('function loadConfig('))).toBe(true);
    for (const [file, text] of graph) {
      expect(text, file).not.toContain('node_modules/write-file-atomic/');
      expect(text, file).not.toMatch(/require\("(node:)?(crypto|worker_threads)"\)|from\s*"node:(crypto|worker_threads)"/);
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
      process.on('exit', () => writeFileSync(${JSON.stringify(made)}, made.join('\\n') + '\\n'));
      `,
    );
    const report = join(dir, 'report-intl');
    const session = 'intl';
    startShell(session, `PROCTOP_STARTUP_REPORT=${report} node --import ${hook} dist/cli.js --interval 1s`);
    const text = await waitFor(() => (existsSync(report) && /\ncpu-ms [\d.]+\n$/.test(readFileSync(report, 'utf8')) ? readFileSync(report, 'utf8') : ''), 30_000, 50);
    tmux('send-keys', '-t', session, 'q');
    await waitForShell(session);
    const { firstFullFrameMs } = parseReport(text);
    const before = readFileSync(made, 'utf8')
      .split('\n')
      .filter((line) => line !== '' && Number(line.split(' ')[1]) <= firstFullFrameMs);
    expect(before).toEqual([]);
  }, 90_000);
});
