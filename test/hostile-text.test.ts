// Issue 12 §1: a process named by a hostile local user must not rewrite an administrator's
// terminal. Every human-facing edge shows control bytes and invalid UTF-8 visibly escaped, through
// the one sanitizer; JSON keeps the exact text.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowLine, fitColumns } from '../src/components/table-columns.js';
import { statusLine } from '../src/components/status-line.js';
import { toJsonText } from '../src/output/json-envelope.js';
import { ECHO_MAX_CHARS, quoted, sanitizeLines, sanitizeText, warningLine } from '../src/output/sanitize.js';
import { renderTextTable } from '../src/output/text-table.js';
import { createMonitorStore } from '../src/store/monitor-store.js';
import { decodeBytes } from '../src/sys/js/byte-text.js';
import { syntheticFrame, syntheticRow } from './helpers/synthetic-frames.js';
import { killStartedChildren } from './helpers/children.js';
import { builtCliPath } from './helpers/cli.js';
import {
  FORBIDDEN_ON_SCREEN, HOSTILE_ARGV0, HOSTILE_ARGV0_SHOWN, HOSTILE_COMM, HOSTILE_COMM_SHOWN, HOSTILE_FILE_SHOWN,
  startHostileProcess, terminalHazard, type HostileProcess,
} from './helpers/hostile.js';
import { randomSource } from './helpers/random.js';

describe('sanitizeText', () => {
  it('shows C0 controls, DEL and C1 controls as the bytes they are', () => {
    expect(sanitizeText('a\x1b[2Jb\x07\x7f\n\t')).toBe('a\\x1b[2Jb\\x07\\x7f\\x0a\\x09');
    expect(sanitizeText('x\u009by')).toBe('x\\xc2\\x9by');
  });

  it('shows bytes that were not UTF-8 (decoded as U+DC80..U+DCFF) as \\xNN, other lone surrogates as \\u{...}', () => {
    expect(sanitizeText('a\udcffb\udc80')).toBe('a\\xffb\\x80');
    expect(sanitizeText('\ud800x')).toBe('\\u{d800}x');
  });

  it('leaves printable text alone, wide and astral characters included', () => {
    for (const text of ['postgres: checkpointer', 'naïve café', '漢字', 'rocket 🚀', 'a"b\\c']) expect(sanitizeText(text)).toBe(text);
  });

  it('keeps line breaks only in sanitizeLines', () => {
    expect(sanitizeLines('one\x1b[K\ntwo\r')).toBe('one\\x1b[K\ntwo\\x0d');
  });

  it('quoted() cuts an echoed value to 80 characters with … and escapes it', () => {
    const long = 'y'.repeat(100_000);
    expect(quoted(long)).toBe(`"${'y'.repeat(ECHO_MAX_CHARS)}…"`);
    expect(quoted('\x1b]0;t\x07')).toBe('"\\x1b]0;t\\x07"');
    expect(quoted(`${'x'.repeat(ECHO_MAX_CHARS - 1)}🚀🚀`)).toBe(`"${'x'.repeat(ECHO_MAX_CHARS - 1)}…"`);
  });
});

describe('warningLine', () => {
  it('is one stderr line whatever the warning carries: a newline in a path cannot forge a second warning', () => {
    const line = warningLine('cannot read /tmp/x\nproctop: warning: all clear\x1b[2J');
    expect(line.split('\n')).toEqual(['proctop: warning: cannot read /tmp/x\\x0aproctop: warning: all clear\\x1b[2J', '']);
    // The stderr sink keeps line breaks, so the line must already be whole when it gets there.
    expect(sanitizeLines(line)).toBe(line);
  });
});

describe('decodeBytes (the JS backend; native/js_text.h does the same)', () => {
  it('decodes valid UTF-8 as Buffer does and keeps each invalid byte as U+DC00+byte', () => {
    expect(decodeBytes(Buffer.from('naïve 🚀'))).toBe('naïve 🚀');
    expect(decodeBytes(Buffer.from([0x61, 0xff, 0xc2, 0x9b, 0xc3, 0x28, 0xed, 0xa0, 0x80]))).toBe('a\udcff\u009b\udcc3(\udced\udca0\udc80');
  });
});

/** Undoes sanitizeText's \xNN escapes (for text without backslashes of its own) into bytes. */
function unescapeToBytes(text: string): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of text.matchAll(/\\x([0-9a-f]{2})/g)) {
    parts.push(Buffer.from(text.slice(last, m.index), 'utf8'), Buffer.from([Number.parseInt(m[1] ?? '0', 16)]));
    last = (m.index ?? 0) + m[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** Random bytes weighted towards the dangerous ones: C0, ESC sequences, C1 in UTF-8, bad UTF-8, text. */
function randomBytes(next: (n: number) => number): Buffer {
  const pieces: number[][] = [[0x1b, 0x5b], [0x1b, 0x5d], [0xc2, 0x9b], [0xc2, 0x85], [0x7f], [0x07], [0x0a], [0x0d], [0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe6, 0xbc, 0xa2], [0xf0, 0x9f, 0x9a, 0x80], [0x61, 0x62]];
  const bytes: number[] = [];
  const count = next(24);
  for (let i = 0; i < count; i++) {
    const roll = next(3);
    if (roll === 0) bytes.push(next(256));
    else bytes.push(...(pieces[next(pieces.length)] ?? []));
  }
  return Buffer.from(bytes.filter((b) => b !== 0x5c)); // no backslash: the round trip below must be unambiguous
}

describe('property: no control byte survives into any text output', () => {
  it('holds for 2,000 random byte strings through every text edge, and the escapes name the exact bytes', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const next = randomSource(seed);
      const bytes = randomBytes(next);
      const kept = decodeBytes(bytes);
      const context = `seed ${seed}: ${bytes.toString('hex')}`;
      for (const text of [kept, bytes.toString('utf8'), bytes.toString('latin1')]) {
        const row = syntheticRow({ pid: 42, comm: text.slice(0, 15), user: text, argv: [text, text] });
        const display = { row, depth: 0, treePrefix: '', exited: false } as unknown as Parameters<typeof rowLine>[1];
        const store = createMonitorStore({ columns: 80, rows: 24, backend: 'js', color: false, mode: 'interactive' });
        store.getState().ingest(syntheticFrame([row]));
        store.setState({ message: { text, untilMs: Number.MAX_SAFE_INTEGER } } as never);
        const outputs = [
          sanitizeText(text),
          quoted(text),
          rowLine(fitColumns(120), display, false),
          statusLine(store.getState(), 0).text,
          ...renderTextTable([{ title: 'A', cell: (t: string) => t }, { title: 'B', cell: (t: string) => t, maxWidth: 10 }], [text]).split('\n'),
          ...sanitizeLines(`${text}\n${text}`).split('\n'),
        ];
        for (const out of outputs) expect(FORBIDDEN_ON_SCREEN.test(out) || out.includes('\n'), `${context} → ${JSON.stringify(out)}`).toBe(false);
      }
      expect(unescapeToBytes(sanitizeText(kept)).equals(bytes), context).toBe(true);
      // JSON keeps the exact text: parsing it back gives the same string, and it has no raw control byte.
      const json = toJsonText({ text: kept });
      expect((JSON.parse(json) as { text: string }).text, context).toBe(kept);
      expect(FORBIDDEN_ON_SCREEN.test(json.replace(/\n/g, '')), context).toBe(false);
    }
  });
});

describe('a hostile process seen through every command (real process, both backends)', () => {
  let cli: string;
  let hostile: HostileProcess;
  beforeAll(async () => {
    cli = await builtCliPath();
    hostile = await startHostileProcess();
  }, 60_000);
  afterAll(() => killStartedChildren());

  /** Runs the CLI as a shell job would (own process group, so the hostile process is not in it); raw bytes out. */
  function run(args: readonly string[], backend = 'native'): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cli, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PROCTOP_BACKEND: backend } });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
      });
    });
  }

  function expectSafe(bytes: Buffer): string {
    expect(terminalHazard(bytes), bytes.toString('latin1')).toBeNull();
    return bytes.toString('utf8');
  }

  it.each(['native', 'js'])('pstat --table shows argv escaped byte for byte (%s)', async (backend) => {
    const r = await run(['pstat', '--table', '--pid', String(hostile.pid)], backend);
    expect(r.code).toBe(0);
    expect(expectSafe(r.stdout)).toContain(HOSTILE_ARGV0_SHOWN);
  });

  it.each(['native', 'js'])('pstat --json keeps the exact argv and comm, invalid bytes as \\udcff (%s)', async (backend) => {
    const r = await run(['pstat', '--json', '--pid', String(hostile.pid)], backend);
    expectSafe(r.stdout);
    const out = JSON.parse(r.stdout.toString('utf8')) as { processes: { name: string; cmdline: string[] }[] };
    expect(out.processes[0]?.cmdline[0]).toBe(HOSTILE_ARGV0);
    expect(out.processes[0]?.name).toBe(HOSTILE_COMM);
  });

  it('kill --name previews the target with its comm escaped', async () => {
    const r = await run(['kill', '--name', 'zq', '--table']);
    expect(expectSafe(r.stdout)).toContain(HOSTILE_COMM_SHOWN);
    expectSafe(r.stderr);
  });

  it.each(['native', 'js'])('fds --table names the hostile file escaped (%s)', async (backend) => {
    const r = await run(['fds', '--pid', String(hostile.pid), '--table'], backend);
    expect(expectSafe(r.stdout)).toContain(HOSTILE_FILE_SHOWN);
  });

  it('ports --table shows the listener\'s command escaped', async () => {
    const r = await run(['ports', '--table']);
    const line = expectSafe(r.stdout).split('\n').find((l) => l.includes(`:${hostile.port} `));
    expect(line).toContain(HOSTILE_COMM_SHOWN);
  });

  it('the piped --watch table shows it escaped', async () => {
    const r = await run(['--watch', '--iterations', '1', '--filter', 'zq']);
    expect(r.code).toBe(0);
    expect(expectSafe(r.stdout)).toContain(HOSTILE_ARGV0_SHOWN);
  });

  it('an error message echoing hostile input escapes it and cuts it to one short line', async () => {
    const r = await run(['pstat', '--sort', `\x1b]0;pwned\x07${'x'.repeat(100_000)}`]);
    expect(r.code).toBe(2);
    const text = expectSafe(r.stderr);
    expect(text).toContain('got "\\x1b]0;pwned\\x07xxx');
    expect(text.split('\n').filter(Boolean)).toHaveLength(1);
    expect(text.length).toBeLessThan(300);
  });

  it('terminate-tree --table shows the member\'s comm escaped (last: it ends the process)', async () => {
    const r = await run(['terminate-tree', String(hostile.pid), '--yes', '--table', '--grace', '2s']);
    expect(expectSafe(r.stdout)).toContain(HOSTILE_COMM_SHOWN);
    expectSafe(r.stderr);
  });
});
