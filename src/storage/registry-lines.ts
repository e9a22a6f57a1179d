// The registry file read line by line, for a listing of a big registry. serializeRegistry writes
// each entry as JSON.stringify wrote it, one per line; when a file is exactly that (every line
// checked, byte by byte, to be what JSON.stringify would write), what a listing needs of each
// entry (identity and observed times) is read off its line without parsing the rest, and the
// listing prints the entry's stored bytes (src/registry/list-json.ts). Building 10,000 full records
// and their garbage was most of what `track list` cost. The check is a complete validator of that
// one layout: a file it accepts parses as JSON into exactly the entries read here. Anything else
// (hand-edited, version 1, a line that does not parse) is left to parseRegistry, which reads it
// the plain way or reports it as it always did.
import { isUtf8 } from 'node:buffer';
import { entryToJson, registryHead, type TrackedEntry } from './registry-entry.js';

/** What a listing needs of a stored entry without parsing the rest: its identity and observed times. */
export type EntrySummary = Pick<TrackedEntry, 'id' | 'pid' | 'startTime' | 'bootId' | 'lastSeen' | 'firstSeenDead'>;

/** A registry file in the canonical layout, and its entries' summaries. */
export interface StoredLines {
  readonly bytes: Buffer;
  readonly nextId: number;
  /** STORED_FIELDS.length + 1 byte offsets per entry: where each field's value starts, then the entry's `}`. */
  readonly offsets: Uint32Array;
  /** One per stored line, in file order. */
  readonly entries: readonly EntrySummary[];
  /** The bytes hold DEL or a byte C2 (how UTF-8 starts a C1 control): an output may have to escape. */
  readonly mayHoldControls: boolean;
}

/** How a stored field's value is written: an integer, a string, a string or null, a list of strings, "add" or "run". */
export type FieldKind = 'int' | 'str' | 'str?' | 'strs' | 'origin';

const KIND: Readonly<Record<string, FieldKind>> = {
  id: 'int',
  pid: 'int',
  start_time: 'int',
  boot_id: 'str',
  name: 'str?',
  tags: 'strs',
  groups: 'strs',
  cmdline: 'strs',
  exe: 'str?',
  uid: 'int',
  user: 'str',
  created_at: 'str',
  last_seen: 'str?',
  first_seen_dead: 'str?',
  log_path: 'str?',
  cwd: 'str?',
  origin: 'origin',
};

/** A stored field: its key and kind, in the order entryToJson writes them (the order of a stored line). */
export interface StoredField {
  readonly key: string;
  readonly kind: FieldKind;
  /** What precedes its value in a stored line: `{"id":`, `,"pid":`... */
  readonly prefix: Uint8Array;
}

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

const KEYS = Object.keys(entryToJson({ id: 0, pid: 0, startTime: 0, bootId: '', name: null, tags: [], groups: [], argv: [], exe: null, uid: 0, user: '', createdAt: '', lastSeen: null, firstSeenDead: null, logPath: null, cwd: null, origin: 'add' }));
/** Null when entryToJson writes a field this module has no kind for: then no file qualifies. */
export const STORED_FIELDS: readonly StoredField[] | null = KEYS.every((k) => KIND[k] !== undefined)
  ? KEYS.map((key, i) => ({ key, kind: KIND[key]!, prefix: ascii(`${i === 0 ? '{' : ','}"${key}":`) }))
  : null;
const FIELD_COUNT = KEYS.length;
const ID = KEYS.indexOf('id');
const PID = KEYS.indexOf('pid');
const START_TIME = KEYS.indexOf('start_time');
const BOOT_ID = KEYS.indexOf('boot_id');
const LAST_SEEN = KEYS.indexOf('last_seen');
const FIRST_SEEN_DEAD = KEYS.indexOf('first_seen_dead');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const NULL = ascii('null');
const ADD = ascii('"add"');
const RUN = ascii('"run"');
const TAIL = ascii('\n]}\n');
// The head up to next_id's digits, and what follows them (registryHead writes both).
const HEAD = registryHead(1);
const HEAD_START = ascii(HEAD.slice(0, HEAD.indexOf('1,"entries"')));
const HEAD_END = ascii(HEAD.slice(HEAD.indexOf(',"entries"')));

function startsWith(bytes: Uint8Array, at: number, prefix: Uint8Array): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/**
 * The file's lines when it is exactly what serializeRegistry writes (valid UTF-8, the head, one
 * canonical entry per line, the tail), with every entry's summary; null for anything else,
 * including an empty registry (nothing to gain).
 */
export function scanRegistryLines(bytes: Buffer): StoredLines | null {
  if (!STORED_FIELDS || !startsWith(bytes, 0, HEAD_START) || !isUtf8(bytes)) return null;
  const afterId = scanInteger(bytes, HEAD_START.length);
  if (afterId < 0 || !startsWith(bytes, afterId, HEAD_END)) return null;
  const nextId = Number(bytes.toString('latin1', HEAD_START.length, afterId));
  if (!Number.isSafeInteger(nextId) || nextId < 1) return null;
  // Lines: each a `{`..`}` object then `,\n`, the last one then the tail.
  let count = 0;
  for (let at = afterId + HEAD_END.length; (at = bytes.indexOf(NEWLINE, at) + 1) > 0; ) count++;
  count -= 1; // one after each entry's line, and the tail's
  if (count < 1) return null;
  const offsets = new Uint32Array(count * (FIELD_COUNT + 1));
  const entries: EntrySummary[] = [];
  let at = afterId + HEAD_END.length;
  // Consecutive entries often hold the same text (every entry of a boot its boot id, every entry
  // one look saw alive the same last seen): one string for them all.
  const bootId = new LastText();
  const lastSeen = new LastText();
  const firstSeenDead = new LastText();
  for (let n = 0; n < count; n++) {
    const base = n * (FIELD_COUNT + 1);
    const end = scanEntry(bytes, at, offsets, base);
    if (end < 0) return null;
    // The summary: integers were checked to be safe, strings to be canonical.
    entries.push({
      id: integerAt(bytes, offsets[base + ID]!),
      pid: integerAt(bytes, offsets[base + PID]!),
      startTime: integerAt(bytes, offsets[base + START_TIME]!),
      bootId: bootId.at(bytes, offsets[base + BOOT_ID]!, offsets[base + BOOT_ID + 1]! - STORED_FIELDS[BOOT_ID + 1]!.prefix.length)!,
      lastSeen: lastSeen.at(bytes, offsets[base + LAST_SEEN]!, offsets[base + LAST_SEEN + 1]! - STORED_FIELDS[LAST_SEEN + 1]!.prefix.length),
      firstSeenDead: firstSeenDead.at(bytes, offsets[base + FIRST_SEEN_DEAD]!, offsets[base + FIRST_SEEN_DEAD + 1]! - STORED_FIELDS[FIRST_SEEN_DEAD + 1]!.prefix.length),
    });
    at = end;
    if (n < count - 1) {
      if (bytes[at] !== COMMA || bytes[at + 1] !== NEWLINE) return null;
      at += 2;
    }
  }
  if (!startsWith(bytes, at, TAIL) || at + TAIL.length !== bytes.length) return null;
  return { bytes, nextId, offsets, entries, mayHoldControls: bytes.includes(0x7f) || bytes.includes(0xc2) };
}

/** The value of a stored string or null, the same string as last time when the bytes are the same. */
class LastText {
  private from = 0;
  private to = 0;
  private value: string | null = null;

  at(b: Buffer, from: number, to: number): string | null {
    if (to - from === this.to - this.from && this.value !== null) {
      let same = true;
      for (let i = 0; i < to - from && same; i++) same = b[from + i] === b[this.from + i];
      if (same) return this.value;
    }
    this.from = from;
    this.to = to;
    this.value = to - from === 4 && b[from] === 0x6e ? null : stringAt(b, from, to);
    return this.value;
  }
}

/** A stored integer (checked safe: exact in a double, digit by digit). */
function integerAt(b: Uint8Array, from: number): number {
  const negative = b[from] === 0x2d;
  let value = 0;
  for (let i = negative ? from + 1 : from, c = b[i]!; c >= 0x30 && c <= 0x39; c = b[++i]!) value = value * 10 + (c - 0x30);
  return negative ? -value : value;
}

/** A canonical string's value: the bytes between the quotes, unless it holds an escape. */
function stringAt(b: Buffer, from: number, to: number): string {
  const raw = b.toString('utf8', from, to);
  return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}

/** Scans one stored entry at `at`, recording its value offsets; returns the index after its `}`, or -1 when not canonical. */
function scanEntry(b: Uint8Array, at: number, offsets: Uint32Array, base: number): number {
  const fields = STORED_FIELDS!;
  let i = at;
  for (let f = 0; f < FIELD_COUNT; f++) {
    const { prefix, kind } = fields[f]!;
    if (!startsWith(b, i, prefix)) return -1;
    i += prefix.length;
    offsets[base + f] = i;
    if (kind === 'int') i = scanInteger(b, i);
    else if (kind === 'str') i = scanString(b, i);
    else if (kind === 'str?') i = startsWith(b, i, NULL) ? i + NULL.length : scanString(b, i);
    else if (kind === 'strs') i = scanStrings(b, i);
    else i = startsWith(b, i, ADD) || startsWith(b, i, RUN) ? i + ADD.length : -1;
    if (i < 0) return -1;
  }
  if (b[i] !== 0x7d) return -1;
  offsets[base + FIELD_COUNT] = i;
  return i + 1;
}

/**
 * A safe integer as JSON.stringify writes one: 0, or digits without a leading zero, maybe
 * negative (the plain reader takes any safe integer). Returns the index after it, or -1.
 */
function scanInteger(b: Uint8Array, at: number): number {
  let i = at;
  if (b[i] === 0x2d) i++;
  const first = b[i];
  if (first === 0x30) return i === at ? i + 1 : -1; // "-0" is not what JSON.stringify writes
  if (first === undefined || first < 0x31 || first > 0x39) return -1;
  const digits = i;
  i++;
  for (let c = b[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = b[++i]);
  // Up to 15 digits is always safe; 16 may be; more never is.
  if (i - digits > 16 || (i - digits === 16 && !Number.isSafeInteger(Number(Buffer.from(b.buffer, b.byteOffset + digits, 16).toString('latin1'))))) return -1;
  return i;
}

/** Lowercase hex digit value, or -1 (JSON.stringify writes \u escapes in lowercase). */
function hexDigit(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** The code unit of the \uXXXX escape at `at` (the backslash), or -1. */
function escapedUnit(b: Uint8Array, at: number): number {
  if (b[at] !== BACKSLASH || b[at + 1] !== 0x75) return -1;
  const d0 = hexDigit(b[at + 2]);
  const d1 = hexDigit(b[at + 3]);
  const d2 = hexDigit(b[at + 4]);
  const d3 = hexDigit(b[at + 5]);
  return d0 < 0 || d1 < 0 || d2 < 0 || d3 < 0 ? -1 : (d0 << 12) | (d1 << 8) | (d2 << 4) | d3;
}

/**
 * A string as JSON.stringify writes it: `"` and `\` escaped, \b \f \n \r \t short, every other
 * C0 control as \u00xx, a lone surrogate as \udxxx, everything else (DEL, C1, U+2028...) raw
 * (UTF-8 validity is checked on the whole file). Returns the index after the closing quote, or -1.
 */
export function scanString(b: Uint8Array, at: number): number {
  if (b[at] !== QUOTE) return -1;
  const end = b.length;
  let i = at + 1;
  while (i < end) {
    const c = b[i]!;
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c !== BACKSLASH) {
      i++;
      continue;
    }
    const e = b[i + 1];
    if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
      i += 2;
      continue;
    }
    const unit = escapedUnit(b, i);
    if (unit < 0) return -1;
    if (unit < 0x20) {
      // \b \f \n \r \t have short forms, which JSON.stringify uses.
      if (unit === 0x08 || unit === 0x09 || unit === 0x0a || unit === 0x0c || unit === 0x0d) return -1;
    } else if (unit >= 0xd800 && unit <= 0xdbff) {
      // A high surrogate followed by a low one is a pair, which JSON.stringify writes raw.
      const next = escapedUnit(b, i + 6);
      if (next >= 0xdc00 && next <= 0xdfff) return -1;
    } else if (unit < 0xdc00 || unit > 0xdfff) return -1;
    i += 6;
  }
  return -1;
}

/** A list of strings as JSON.stringify writes it; index after the `]`, or -1. */
function scanStrings(b: Uint8Array, at: number): number {
  if (b[at] !== 0x5b) return -1;
  if (b[at + 1] === 0x5d) return at + 2;
  let i = at + 1;
  for (;;) {
    i = scanString(b, i);
    if (i < 0) return -1;
    if (b[i] === 0x5d) return i + 1;
    if (b[i] !== COMMA) return -1;
    i++;
  }
}
