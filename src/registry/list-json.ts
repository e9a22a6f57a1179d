// `track list --json` of a big registry, written from the entries' stored lines (see
// src/storage/registry-lines.ts: a file whose every line is exactly what JSON.stringify wrote).
// Each entry's stored bytes are copied into the output, indented as toJsonText indents them, with
// its observed times and live fields spliced in, instead of building 10,000 records and
// serialising them again. The output is byte for byte what the plain way writes
// (toJsonText of statusJson records): test/list-json.test.ts compares the two on hostile entries.
import { escapeRawControls, jsonListParts, toJsonText } from '../output/json-envelope.js';
import { scanString, STORED_FIELDS, type StoredLines } from '../storage/registry-lines.js';
import type { LiveFigures } from './entry-json.js';
import type { EntrySummary, TrackedStatus } from './types.js';

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const FIELDS = STORED_FIELDS ?? [];
const LAST_SEEN = FIELDS.findIndex((f) => f.key === 'last_seen');
const FIRST_SEEN_DEAD = FIELDS.findIndex((f) => f.key === 'first_seen_dead');
const CMDLINE = FIELDS.findIndex((f) => f.key === 'cmdline');
/** What precedes each field's value in the output (an entry sits two levels deep, as toJsonText indents it). */
const OUTPUT_PREFIX = FIELDS.map((f, i) => ascii(`${i === 0 ? '    {' : ','}\n      "${f.key}": `));
/** The prefixes end to end, and where each starts (a hot loop reads one buffer). */
const PREFIXES = Buffer.concat(OUTPUT_PREFIX);
const PREFIX_AT = Uint16Array.from({ length: FIELDS.length + 1 }, (_, f) => OUTPUT_PREFIX.slice(0, f).reduce((n, p) => n + p.length, 0));
/** Which fields are lists. */
const IS_LIST = Uint8Array.from(FIELDS, (f) => (f.kind === 'strs' ? 1 : 0));

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** Bytes written to stdout in pieces of about this size. */
const PIECE_BYTES = 1 << 20;

/** An output buffer handed to `write` piece by piece (each piece a fresh buffer: the writer may keep it). */
class ByteSink {
  buf: Buffer;
  pos = 0;

  constructor(private readonly write: (bytes: Uint8Array) => void) {
    this.buf = Buffer.allocUnsafe(PIECE_BYTES);
  }

  /** Makes room for `n` more bytes, handing over what is written when the piece is full. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, PIECE_BYTES));
  }

  /** Hands over what is written; `more`: a fresh buffer for what follows. */
  flush(more = true): void {
    if (this.pos > 0) this.write(this.buf.subarray(0, this.pos));
    if (more) this.buf = Buffer.allocUnsafe(this.buf.length);
    this.pos = 0;
  }

  /** Writes text (any size). */
  text(text: string): void {
    this.room(Buffer.byteLength(text));
    this.pos += this.buf.write(text, this.pos);
  }
}

const HEX = '0123456789abcdef';

/** Copies b[from, to) to out at o; returns the new end. (Values are short: a loop beats a native copy's call.) */
function copyRaw(out: Uint8Array, o: number, b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) out[o++] = b[i]!;
  return o;
}

/**
 * Copies b[from, to) (strings and structure) to out at o, escaping DEL and C1 controls as
 * toJsonText does (U+0080..U+009F are C2 80..C2 9F in UTF-8); returns the new end. Room: 3x.
 */
function copyEscaped(out: Uint8Array, o: number, b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    let control = -1;
    if (c === 0x7f) control = c;
    else if (c === 0xc2) {
      const d = b[i + 1]!;
      if (d >= 0x80 && d <= 0x9f) {
        control = d;
        i++;
      }
    }
    if (control < 0) {
      out[o++] = c;
      continue;
    }
    out[o++] = BACKSLASH;
    out[o++] = 0x75;
    out[o++] = 0x30;
    out[o++] = 0x30;
    out[o++] = HEX.charCodeAt(control >> 4);
    out[o++] = HEX.charCodeAt(control & 15);
  }
  return o;
}

/** copyRaw, or copyEscaped when the bytes may hold DEL or a C1 control. */
const copyValue = (escape: boolean, out: Uint8Array, o: number, b: Uint8Array, from: number, to: number): number =>
  escape ? copyEscaped(out, o, b, from, to) : copyRaw(out, o, b, from, to);

const ELEMENT_BREAK = ascii('\n        ');
const COMMAND_PREFIX = ascii(',\n      "command": ');
const ENTRY_BREAK = ascii(',\n');
const LIST_END = ascii('\n      ]');

/** A stored list of strings at b[from, to), one element per line as toJsonText writes it; returns the new end. Room: 4x plus 9. */
function copyList(escape: boolean, out: Uint8Array, o: number, b: Uint8Array, from: number, to: number): number {
  if (to - from === 2) return copyRaw(out, o, b, from, to);
  out[o++] = 0x5b;
  let i = from + 1;
  while (i < to - 1) {
    const end = scanString(b, i); // canonical already: finds the element's end
    o = copyRaw(out, o, ELEMENT_BREAK, 0, ELEMENT_BREAK.length);
    o = copyValue(escape, out, o, b, i, end);
    if (end < to - 1) out[o++] = COMMA;
    i = end + 1;
  }
  return copyRaw(out, o, LIST_END, 0, LIST_END.length);
}

/** The stored command line at b[from, to) joined by spaces, as one JSON string (what `command` holds); returns the new end. Room: 3x. */
function copyCommand(escape: boolean, out: Uint8Array, o: number, b: Uint8Array, from: number, to: number): number {
  out[o++] = QUOTE;
  let i = from + 1;
  while (i < to - 1) {
    const end = scanString(b, i);
    o = copyValue(escape, out, o, b, i + 1, end - 1);
    if (end < to - 1) out[o++] = 0x20;
    i = end + 1;
  }
  out[o++] = QUOTE;
  return o;
}

/** True when the summary is still that of its stored line, observed times aside. */
function sameStored(e: EntrySummary, s: EntrySummary): boolean {
  return e.id === s.id && e.pid === s.pid && e.startTime === s.startTime && e.bootId === s.bootId;
}

/** The JSON of a number as JSON.stringify writes it (NaN and infinities are null). */
const numberJson = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/** Tails of entries without live figures, by liveness. */
const FIXED_TAILS = new Map<string, string>();

/** What follows the stored fields: liveness and live figures (as statusJson writes them), then the entry's closing brace. */
function tailText(status: TrackedStatus<EntrySummary>, live: LiveFigures | undefined): string {
  const { liveness } = status;
  const head = `,\n      "alive": ${liveness.alive},\n      "dead_reason": `;
  if (!live) {
    const reason = liveness.alive ? null : liveness.reason;
    let tail = FIXED_TAILS.get(String(reason));
    if (tail === undefined) {
      tail = `${head}${JSON.stringify(reason)},\n      "cpu_percent": null,\n      "rss_bytes": null,\n      "state": null\n    }`;
      FIXED_TAILS.set(String(reason), tail);
    }
    return tail;
  }
  const reason = liveness.alive ? 'null' : JSON.stringify(liveness.reason);
  return `${head}${reason},\n      "cpu_percent": ${numberJson(Math.round(live.cpuPercent * 10) / 10)},\n      "rss_bytes": ${numberJson(live.rssBytes)},\n      "state": ${escapeRawControls(JSON.stringify(live.state))}\n    }`;
}

/** An observed time that differs from the stored one, as the plain way writes it. */
const timeJson = (time: string | null): string => (time === null ? 'null' : escapeRawControls(JSON.stringify(time)));

/** Per field, the length of the next field's stored prefix (what lies between its value's end and the next value). */
const NEXT_PREFIX = Uint8Array.from(FIELDS, (_, f) => (f + 1 < FIELDS.length ? FIELDS[f + 1]!.prefix.length : 0));

/** One entry from its stored line (index `n` of `lines`), the changed times and live fields spliced in. */
function writeStored(sink: ByteSink, lines: StoredLines, n: number, status: TrackedStatus<EntrySummary>, live: LiveFigures | undefined): void {
  const { bytes: b, offsets, mayHoldControls: escape } = lines;
  const base = n * (FIELDS.length + 1);
  const stored = lines.entries[n]!;
  const entry = status.entry;
  const lastSeen = entry.lastSeen !== stored.lastSeen ? timeJson(entry.lastSeen) : null;
  const firstSeenDead = entry.firstSeenDead !== stored.firstSeenDead ? timeJson(entry.firstSeenDead) : null;
  const tail = tailText(status, live);
  // Room for the worst case: every stored byte a C1 control (3x), lists one element per line,
  // the command line twice; then the texts spliced in.
  const spliced = (lastSeen === null ? 0 : Buffer.byteLength(lastSeen)) + (firstSeenDead === null ? 0 : Buffer.byteLength(firstSeenDead)) + Buffer.byteLength(tail);
  sink.room((offsets[base + FIELDS.length]! - offsets[base]!) * 8 + 512 + spliced);
  const out = sink.buf;
  let o = sink.pos;
  for (let f = 0; f < FIELDS.length; f++) {
    o = copyRaw(out, o, PREFIXES, PREFIX_AT[f]!, PREFIX_AT[f + 1]!);
    const from = offsets[base + f]!;
    const to = offsets[base + f + 1]! - NEXT_PREFIX[f]!;
    if (f === LAST_SEEN && lastSeen !== null) o += out.write(lastSeen, o);
    else if (f === FIRST_SEEN_DEAD && firstSeenDead !== null) o += out.write(firstSeenDead, o);
    else if (IS_LIST[f] === 1) o = copyList(escape, out, o, b, from, to);
    else o = copyValue(escape, out, o, b, from, to);
  }
  o = copyRaw(out, o, COMMAND_PREFIX, 0, COMMAND_PREFIX.length);
  o = copyCommand(escape, out, o, b, offsets[base + CMDLINE]!, offsets[base + CMDLINE + 1]! - NEXT_PREFIX[CMDLINE]!);
  sink.pos = o + out.write(tail, o);
}

/** A listed entry: its status and its index in the registry as read (the stored line it came from). */
export interface ListedEntry<E extends EntrySummary> {
  readonly status: TrackedStatus<E>;
  readonly index: number;
}

/**
 * Writes toJsonText({ ...envelope, entries: listed.map(statusJson) }), byte for byte, from the
 * stored lines (`listed` are statuses of their summaries, index n = stored line n). `envelope`
 * must have `entries` as a top-level field.
 */
export function writeStoredList(
  envelope: Readonly<Record<string, unknown>>,
  listed: readonly ListedEntry<EntrySummary>[],
  lines: StoredLines,
  live: ReadonlyMap<number, LiveFigures>,
  write: (chunk: string | Uint8Array) => void,
): void {
  if (listed.length === 0) {
    write(toJsonText({ ...envelope, entries: [] }));
    return;
  }
  const parts = jsonListParts(envelope, 'entries');
  const sink = new ByteSink(write);
  sink.text(`${parts.head}[\n`);
  for (let k = 0; k < listed.length; k++) {
    const { status, index } = listed[k]!;
    const stored = lines.entries[index];
    // Liveness and observations change times only: anything else is a caller's mistake.
    if (!stored || !sameStored(status.entry, stored)) throw new Error(`writeStoredList: entry ${status.entry.id} is not stored line ${index}`);
    if (k > 0) {
      sink.room(ENTRY_BREAK.length);
      sink.pos = copyRaw(sink.buf, sink.pos, ENTRY_BREAK, 0, ENTRY_BREAK.length);
    }
    writeStored(sink, lines, index, status, live.get(status.entry.id));
  }
  sink.text(`\n  ]${parts.tail}`);
  sink.flush(false);
}
