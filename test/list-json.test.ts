// `track list --json` from a registry's stored lines (src/storage/registry-lines.ts,
// src/registry/list-json.ts) against the plain way (parse, statusJson, toJsonText), byte for byte,
// on seeded hostile entries; and the canonical check against files that are valid JSON, and read
// the plain way, but are not what JSON.stringify writes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrack, type TrackIo } from '../src/commands/track.js';
import { toJsonText } from '../src/output/json-envelope.js';
import { statusJson, type LiveFigures } from '../src/registry/entry-json.js';
import { writeStoredList } from '../src/registry/list-json.js';
import { Registry } from '../src/registry/registry.js';
import type { EntrySummary, Liveness, TrackedEntry, TrackedStatus } from '../src/registry/types.js';
import type { ProcessRow } from '../src/sampler/types.js';
import { loadRegistryListing, parseRegistry, RegistryFileError, serializeRegistry } from '../src/storage/registry-file.js';
import { scanRegistryLines } from '../src/storage/registry-lines.js';
import { createCollector } from '../src/sys/collector.js';
import { randomFloats as random } from './helpers/random.js';

// Everything JSON.stringify and toJsonText treat specially: quotes, backslashes, C0 (short and
// \u forms), DEL, C1, U+2028/2029, lone and paired surrogates, non-ASCII, JSON punctuation.
const PIECES = ['', 'plain', 'q"uote', 'back\\slash', '\\"', '","', '",', 'nl\nx', '\r\t\b\f', '\u0000\u0001\u001f', '\u007f', '\u0080\u0085\u009b\u009f', '\u00a0©é', '\u2028\u2029', '\ud800', '\udc00', '\ud83d\ude00', '\udbff\udfff', '\ud800\ud800', '\udc00\ud800', '\ufffd', '\uffff', '/', '[', ']', '{', '}', ':', ',', ' ', '😀', 'ü\u0308'];

function hostile(rand: () => number): () => string {
  return () => Array.from({ length: Math.floor(rand() * 4) }, () => PIECES[Math.floor(rand() * PIECES.length)]).join('');
}

const BOOT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const INTEGERS = [0, 1, 7, 42, 4_194_304, 2 ** 31 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, 999_999_999_999_999, 1_000_000_000_000_000, -1, -Number.MAX_SAFE_INTEGER];

function hostileEntries(count: number, seed: number): TrackedEntry[] {
  const rand = random(seed);
  const text = hostile(rand);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const maybe = (): string | null => (rand() < 0.3 ? null : text());
  const list = (): string[] => Array.from({ length: Math.floor(rand() * 4) }, text);
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    pid: pick(INTEGERS),
    startTime: pick(INTEGERS),
    bootId: rand() < 0.7 ? BOOT : text(),
    name: maybe(),
    tags: list(),
    groups: list(),
    argv: list(),
    exe: maybe(),
    uid: pick(INTEGERS),
    user: text(),
    createdAt: text(),
    lastSeen: maybe(),
    firstSeenDead: maybe(),
    logPath: maybe(),
    cwd: maybe(),
    origin: rand() < 0.5 ? 'add' : 'run',
  }));
}

const LIVENESS: readonly Liveness[] = [{ alive: true }, { alive: false, reason: 'exited' }, { alive: false, reason: 'reused' }, { alive: false, reason: 'other-boot' }];

/** What a look might change in an entry: observed times, as observe does. */
interface Look {
  readonly liveness: Liveness;
  readonly lastSeen?: string | null;
  readonly firstSeenDead?: string | null;
  readonly live?: LiveFigures;
  readonly listed: boolean;
}

function looks(count: number, seed: number): Look[] {
  const rand = random(seed);
  const text = hostile(rand);
  const numbers = [0, 0.05, 12.34, 100, 1e21, Number.NaN, Number.POSITIVE_INFINITY, 123_456_789];
  return Array.from({ length: count }, () => {
    const liveness = LIVENESS[Math.floor(rand() * LIVENESS.length)]!;
    return {
      liveness,
      ...(rand() < 0.3 ? { lastSeen: rand() < 0.2 ? null : text() } : {}),
      ...(rand() < 0.2 ? { firstSeenDead: text() } : {}),
      // The command gives figures to alive entries only; the writer must not care.
      ...(rand() < (liveness.alive ? 0.7 : 0.1) ? { live: { cpuPercent: numbers[Math.floor(rand() * numbers.length)]!, rssBytes: numbers[Math.floor(rand() * numbers.length)]!, state: rand() < 0.8 ? 'S' : text() } } : {}),
      listed: rand() < 0.85,
    };
  });
}

function looked<E extends EntrySummary>(entry: E, look: Look): E {
  return {
    ...entry,
    ...(look.lastSeen !== undefined ? { lastSeen: look.lastSeen } : {}),
    ...(look.firstSeenDead !== undefined ? { firstSeenDead: look.firstSeenDead } : {}),
  };
}

/** The listing both ways: from the stored lines, and the plain way from the parsed entries. */
function bothWays(text: string, plan: readonly Look[], envelope: Record<string, unknown>): { stored: Buffer; plain: Buffer } {
  const bytes = Buffer.from(text, 'utf8');
  const lines = scanRegistryLines(bytes);
  expect(lines).not.toBeNull();
  const full = parseRegistry(text, 'registry.json').entries;
  const live = new Map<number, LiveFigures>();
  const plainStatuses: TrackedStatus[] = [];
  const storedListed: { status: TrackedStatus<EntrySummary>; index: number }[] = [];
  plan.forEach((look, index) => {
    if (!look.listed) return;
    if (look.live) live.set(full[index]!.id, look.live);
    plainStatuses.push({ entry: looked(full[index]!, look), liveness: look.liveness });
    storedListed.push({ status: { entry: looked(lines!.entries[index]!, look), liveness: look.liveness }, index });
  });
  const chunks: Buffer[] = [];
  writeStoredList(envelope, storedListed, lines!, live, (chunk) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk)));
  const plain = toJsonText({ ...envelope, entries: plainStatuses.map((s) => statusJson(s, live.get(s.entry.id))) });
  return { stored: Buffer.concat(chunks), plain: Buffer.from(plain, 'utf8') };
}

describe('track list from stored lines', () => {
  const envelope = { schema_id: 'urn:proctop:schema:track:v1', timestamp: '2026-05-01T12:00:00.000Z', platform: 'linux', command: 'list', registry_path: '/tmp/a\u009b"b\\c\u2028', entries: null, warnings: ['last-seen times not saved: \u0085"x"'] };

  it('writes the bytes the plain way writes, on hostile entries, observed times and live figures', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const entries = hostileEntries(300, seed);
      const text = serializeRegistry({ nextId: 301, entries });
      const { stored, plain } = bothWays(text, looks(entries.length, seed * 31), envelope);
      expect(stored.length).toBe(plain.length);
      // One comparison, and the first difference in words when there is one.
      if (!stored.equals(plain)) {
        const at = stored.findIndex((byte, i) => byte !== plain[i]);
        expect(stored.subarray(Math.max(0, at - 60), at + 60).toString('utf8')).toBe(plain.subarray(Math.max(0, at - 60), at + 60).toString('utf8'));
      }
      expect(stored.equals(plain)).toBe(true);
    }
  });

  it('writes entries bigger than a piece of output, and spliced texts bigger than one, whole', () => {
    const big = (n: number): string => `${'\u009b"\\é'.repeat(n)}end`;
    const entries = hostileEntries(6, 12).map((e, i) => (i === 2 ? { ...e, argv: [big(200_000), big(10), big(150_000)], name: big(1000) } : e));
    const plan = looks(entries.length, 12).map((l, i) => (i === 1 ? { ...l, listed: true, lastSeen: big(400_000), liveness: { alive: true } as const, live: { cpuPercent: 1, rssBytes: 2, state: big(300_000) } } : i === 4 ? { ...l, listed: true, firstSeenDead: big(500_000) } : l));
    const { stored, plain } = bothWays(serializeRegistry({ nextId: 7, entries }), plan, envelope);
    expect(plain.length).toBeGreaterThan(4 << 20);
    expect(stored.equals(plain)).toBe(true);
  });

  it('reads each entry\'s identity and times off its line exactly as the full parse does', () => {
    const entries = hostileEntries(500, 99);
    const text = serializeRegistry({ nextId: 501, entries });
    const lines = scanRegistryLines(Buffer.from(text, 'utf8'));
    expect(lines?.nextId).toBe(501);
    expect(lines?.entries).toEqual(parseRegistry(text, 'registry.json').entries.map(({ id, pid, startTime, bootId, lastSeen, firstSeenDead }) => ({ id, pid, startTime, bootId, lastSeen, firstSeenDead })));
    expect(lines?.mayHoldControls).toBe(true);
  });

  it('writes an empty list and a list of none listed like the plain way', () => {
    const text = serializeRegistry({ nextId: 3, entries: hostileEntries(2, 5) });
    const none = looks(2, 5).map((l) => ({ ...l, listed: false }));
    const { stored, plain } = bothWays(text, none, envelope);
    expect(stored.toString('utf8')).toBe(plain.toString('utf8'));
    expect(scanRegistryLines(Buffer.from(serializeRegistry({ nextId: 1, entries: [] })))).toBeNull();
  });
});

describe('the canonical check: a file not exactly as JSON.stringify writes it is read the plain way', () => {
  const base: TrackedEntry[] = [
    { id: 1, pid: 1000, startTime: 5, bootId: BOOT, name: 'web', tags: ['a', 'b'], groups: [], argv: ['/usr/bin/x', '😀', '\u001f'], exe: '/usr/bin/x', uid: 0, user: 'root', createdAt: '2026-04-01T00:00:00.000Z', lastSeen: null, firstSeenDead: null, logPath: null, cwd: null, origin: 'add' },
    { id: 2, pid: 2000, startTime: 6, bootId: BOOT, name: null, tags: [], groups: ['g'], argv: ['y'], exe: null, uid: 1000, user: 'me', createdAt: '2026-04-01T00:00:00.000Z', lastSeen: '2026-04-02T00:00:00.000Z', firstSeenDead: null, logPath: '/tmp/2.log', cwd: '/srv', origin: 'run' },
  ];
  const canonical = serializeRegistry({ nextId: 3, entries: base });

  // Each is valid JSON the plain reader takes; none is what serializeRegistry writes.
  const variants: readonly (readonly [string, (text: string) => string])[] = [
    ['a letter escaped', (t) => t.replace('"name":"web"', '"name":"w\\u0065b"')],
    ['an escaped slash', (t) => t.replace('"exe":"/usr/bin/x"', '"exe":"\\/usr/bin/x"')],
    ['an uppercase \\u escape', (t) => t.replace('\\u001f', '\\u001F')],
    ['a surrogate pair escaped', (t) => t.replace('😀', '\\ud83d\\ude00')],
    ['the last surrogate pair escaped', (t) => t.replace('😀', '\\udbff\\udfff')],
    ['a newline as \\u000a', (t) => t.replace('"/usr/bin/x","', '"/usr/bin/x\\u000a","')],
    ['a space after a colon', (t) => t.replace('"pid":1000', '"pid": 1000')],
    ['two fields swapped', (t) => t.replace('{"id":1,"pid":1000', '{"pid":1000,"id":1')],
    ['an extra field', (t) => t.replace('"origin":"add"}', '"origin":"add","extra":1}')],
    ['a missing optional field', (t) => t.replace('"cwd":null,"origin":"add"', '"origin":"add"')],
    ['an exponent', (t) => t.replace('"pid":1000', '"pid":1e3')],
    ['a fraction', (t) => t.replace('"uid":1000', '"uid":1000.0')],
    ['minus zero', (t) => t.replace('"uid":0', '"uid":-0')],
    ['an origin no proctop writes', (t) => t.replace('"origin":"add"', '"origin":"other"')],
    ['CRLF line ends', (t) => t.replace(/\n/g, '\r\n')],
    ['two entries on one line', (t) => t.replace('},\n{"id":2', '},{"id":2')],
    ['no final newline', (t) => t.slice(0, -1)],
    ['a space at the end', (t) => `${t} `],
    ['version 1, indented', () => `${JSON.stringify({ format: 'proctop-registry', version: 1, next_id: 3, entries: JSON.parse(canonical).entries }, null, 2)}\n`],
  ];

  it.each(variants)('%s', (_what, change) => {
    const text = change(canonical);
    expect(text).not.toBe(canonical);
    expect(scanRegistryLines(Buffer.from(canonical, 'utf8'))).not.toBeNull();
    expect(scanRegistryLines(Buffer.from(text, 'utf8'))).toBeNull();
    expect(parseRegistry(text, 'registry.json').entries).toHaveLength(2);
  });

  it('bytes that are not UTF-8 are read the plain way (as U+FFFD), not copied', async () => {
    const bytes = Buffer.from(canonical.replace('"user":"me"', '"user":"mXe"'), 'utf8');
    bytes[bytes.indexOf('mXe') + 1] = 0xff;
    expect(scanRegistryLines(bytes)).toBeNull();
    const path = join(mkdtempSync(join(tmpdir(), 'proctop-lines-')), 'registry.json');
    writeFileSync(path, bytes, { mode: 0o600 });
    const listing = await loadRegistryListing(path);
    expect(listing.lines).toBeNull();
    expect(listing.lines === null && listing.read.data.entries[1]?.user).toBe('m\ufffde');
  });

  it.each([
    ['an unsafe integer', (t: string) => t.replace('"pid":1000', '"pid":9007199254740993')],
    ['a line that does not parse', (t: string) => t.replace('"name":"web",', '"name":"web"')],
    ['a line cut short', (t: string) => t.slice(0, t.indexOf('"groups":["g"]'))],
  ])('%s is still an error naming the file', async (_what, change) => {
    const path = join(mkdtempSync(join(tmpdir(), 'proctop-lines-')), 'registry.json');
    writeFileSync(path, change(canonical), { mode: 0o600 });
    expect(scanRegistryLines(Buffer.from(change(canonical), 'utf8'))).toBeNull();
    await expect(loadRegistryListing(path)).rejects.toThrow(RegistryFileError);
    await expect(loadRegistryListing(path)).rejects.toThrow(path);
  });
});

describe('track list --json: stored lines and the plain way agree through the command', () => {
  /** One registry both ways: as serializeRegistry writes it, and as version 1 (read the plain way). */
  async function listBoth(entries: readonly TrackedEntry[], args: readonly string[], rows: readonly ProcessRow[], nowMs: number): Promise<[string, string]> {
    const outputs: string[] = [];
    for (const layout of ['stored', 'plain'] as const) {
      const path = join(mkdtempSync(join(tmpdir(), `proctop-list-${layout}-`)), 'registry.json');
      const canonical = serializeRegistry({ nextId: entries.length + 1, entries });
      const text = layout === 'stored' ? canonical : `${JSON.stringify({ ...JSON.parse(canonical), version: 1 }, null, 2)}\n`;
      writeFileSync(path, text, { mode: 0o600 });
      expect((await loadRegistryListing(path)).lines === null).toBe(layout === 'plain');
      const chunks: Buffer[] = [];
      const io: TrackIo = {
        stdout: (chunk) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk)),
        stderr: (t) => {
          throw new Error(`stderr: ${t}`);
        },
        stdoutIsTty: false,
        stdinIsTty: false,
        confirm: async () => false,
        registry: () => Registry.open({ path, env: {}, now: () => nowMs, lastSeenIntervalMs: 15_000 }),
        deps: () => Promise.reject(new Error('list needs no action deps')),
        sampleRows: async () => rows,
      };
      expect(await runTrack(['list', ...args], io)).toBe(0);
      // The same document but for where the registry is and when it was listed.
      outputs.push(Buffer.concat(chunks).toString('utf8').replace(/"timestamp": "[^"]*"/, '"timestamp": "T"').replace(/"registry_path": "[^"]*"/, '"registry_path": "P"'));
    }
    return outputs as [string, string];
  }

  it('lists every entry (observations due, live figures) and --alive / --dead the same both ways', async () => {
    const bootId = await createCollector().collector.bootId();
    const rand = random(7);
    const entries = hostileEntries(120, 11).map((e, i) => ({ ...e, id: i + 1, pid: 10_000 + (i % 40), startTime: 500 + (i % 3), bootId: i % 5 === 0 ? 'another-boot' : bootId, lastSeen: i % 4 === 0 ? null : '2026-04-01T00:00:00.000Z', firstSeenDead: i % 6 === 0 ? '2026-04-01T00:00:00.000Z' : null }));
    // PIDs 10000.. with start time 500: an entry with start time 500 is alive, 501 reused, 502 a zombie.
    const rows = Array.from({ length: 40 }, (_, i) => ({ pid: 10_000 + i, startTime: 500, state: i % 9 === 0 ? 'Z' : 'S', cpuPercentLifetime: rand() * 200, rssBytes: Math.floor(rand() * 1e9) })) as unknown as ProcessRow[];
    for (const args of [['--json'], ['--json', '--alive'], ['--json', '--dead']]) {
      const [stored, plain] = await listBoth(entries, args, rows, Date.parse('2026-05-01T12:00:00.000Z'));
      expect(stored).toBe(plain);
      const json = JSON.parse(stored) as { entries: { alive: boolean; last_seen: string | null }[] };
      expect(json.entries.length).toBeGreaterThan(0);
      if (args.includes('--alive')) expect(json.entries.every((e) => e.alive && e.last_seen === '2026-05-01T12:00:00.000Z')).toBe(true);
      if (args.includes('--dead')) expect(json.entries.every((e) => !e.alive)).toBe(true);
    }
  });
});
