// Decodes the addon's packed snapshots (native/snapshot_binding.cc) into Snapshot records. The
// addon hands over, for the processes that are new or changed since its previous read only,
// columns — one Float64Array, one column of numbers per field after another — plus the raw bytes
// of comm, user, exe and argv for the identities it has not described before; and the identity
// slot of every process in pid order, so unchanged processes keep the record decoded earlier.
// The column names are defined once, in native/snapshot_layout.h; this file holds the same
// lists and refuses an addon whose lists differ (checkSnapshotLayout), so the two sides can
// never drift apart silently.
import { performance } from 'node:perf_hooks';
import { inspect, type InspectOptions } from 'node:util';
import { decodeBytes } from './js/byte-text.js';
import type { CpuTimes, RawProcess, Snapshot, SystemInfo } from './types.js';

/** PROCTOP_PROCESS_COLUMNS of native/snapshot_layout.h, in order. */
export const PROCESS_COLUMNS = [
  'pid',
  'startTime',
  'ppid',
  'pgid',
  'sid',
  'uid',
  'state',
  'utime',
  'stime',
  'rssBytes',
  'vsizeBytes',
  'threads',
  'nice',
  'priority',
  'ttyNr',
  'isKernelThread',
  'slot',
  'detailsFresh',
  'hasExe',
  'argc',
  'textAscii',
  'textBytes',
] as const;

/** PROCTOP_SYSTEM_FIELDS of native/snapshot_layout.h, in order. */
export const SYSTEM_FIELDS = [
  'timestampMs',
  'monotonicMs',
  'readStartMonotonicMs',
  'cpuCount',
  'memTotalBytes',
  'memAvailableBytes',
  'memFreeBytes',
  'buffersBytes',
  'cachedBytes',
  'swapTotalBytes',
  'swapFreeBytes',
  'loadAvg1',
  'loadAvg5',
  'loadAvg15',
  'uptimeSeconds',
  'bootTimeMs',
  'clockTicks',
  'pageSize',
  'procsRunning',
] as const;

/** PROCTOP_CPU_FIELDS of native/snapshot_layout.h: the CpuTimes fields, in order. */
export const CPU_FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

type ProcessColumn = (typeof PROCESS_COLUMNS)[number];
type SystemField = (typeof SYSTEM_FIELDS)[number];

/** kDelivery of native/snapshot_layout.h: rows for new and changed processes only, every slot in pid order. */
export const DELIVERY = 'changed-rows';

/** The column names the addon was built with (its `snapshotLayout` export). */
export interface SnapshotLayout {
  readonly processColumns: readonly string[];
  readonly systemFields: readonly string[];
  readonly cpuFields: readonly string[];
  /** How rows are delivered (absent from addons built before changed-rows delivery). */
  readonly delivery?: string;
}

/** Null when the addon packs what this decoder reads; else the reason, naming the first difference. */
export function checkSnapshotLayout(layout: SnapshotLayout | undefined): string | null {
  if (!layout) return 'native addon has no snapshotLayout (built from older sources: rebuild it with `npm run build:native`)';
  if (layout.delivery !== DELIVERY) {
    return `native addon delivers snapshot rows as "${layout.delivery ?? 'every row'}", src/sys/native-snapshot.ts reads "${DELIVERY}" (rebuild the addon with \`npm run build:native\`)`;
  }
  const lists: readonly [string, readonly string[], readonly string[]][] = [
    ['process columns', layout.processColumns, PROCESS_COLUMNS],
    ['system fields', layout.systemFields, SYSTEM_FIELDS],
    ['cpu fields', layout.cpuFields, CPU_FIELDS],
  ];
  for (const [what, native, decoder] of lists) {
    if (native.length === decoder.length && native.every((name, i) => name === decoder[i])) continue;
    return (
      `native addon snapshot ${what} [${native.join(',')}] differ from src/sys/native-snapshot.ts [${decoder.join(',')}] ` +
      '(rebuild the addon with `npm run build:native`, or update both lists together)'
    );
  }
  return null;
}

/**
 * What the addon's SnapshotReader.read() resolves to: a change against its previous read. Apply
 * `freed`, then the rows, then list the records of `order`.
 */
export interface PackedSnapshot {
  /** Rows packed: processes new, changed or exec'd since the previous read. */
  readonly count: number;
  /** PROCESS_COLUMNS.length columns of `count` numbers each, column after column (reused by the next read). */
  readonly columns: Float64Array;
  /** The identity slot of every process of the snapshot, in pid order (reused by the next read). */
  readonly order: Uint32Array;
  /** Slots whose identity ended since the previous read (a row of this read may give one a new identity). */
  readonly freed: Uint32Array;
  /** SYSTEM_FIELDS, then CPU_FIELDS for the total and for each CPU. */
  readonly system: Float64Array;
  /** comm, user, [exe], argv... of each process whose detailsFresh is 1, each NUL-terminated (reused by the next read). */
  readonly text: ArrayBuffer;
  /** Bytes of text in use. */
  readonly textLength: number;
  /** True when no later read writes to `text` (the addon hands large text over); else it is refilled by the next read. */
  readonly textOwned?: boolean;
  readonly warnings: readonly string[];
}

/** The kept /proc/PID/stat handles of one native reader (StatHandleStats of native/linux/proc_snapshot.h). */
export interface StatHandleStats {
  /** Handles open now: one per live identity that got one. */
  readonly kept: number;
  /** Most handles kept: the soft open-file limit minus reserve. */
  readonly budget: number;
  /** The soft RLIMIT_NOFILE, after the reader raised it toward the hard limit. */
  readonly limit: number;
  /** Descriptors never taken for stat handles. */
  readonly reserve: number;
  /** False on a proc root that is not procfs (fixture trees open and close every stat). */
  readonly enabled: boolean;
  /** Handles opened in the reader thread's idle time before the first read that keeps them. */
  readonly prepared: number;
  /** Kept /proc/PID/schedstat handles (run checks), within the same budget. */
  readonly runChecks: number;
  /** Processes the last read did not read the stat of again: single-threaded sleepers that had not run since it was read. */
  readonly unread: number;
  /** Live identities never offered a run check again: schedstat refused, or counting no runs (no CONFIG_SCHED_INFO). */
  readonly runChecksRefused: number;
}

/** How a native reader's reads listed /proc (PidListingStats of native/linux/pid_listing.h). */
export interface PidListingStats {
  /** Reads that listed every /proc entry. */
  readonly full: number;
  /** Reads that re-read the previous read's PIDs and listed only those allocated since. */
  readonly recent: number;
}

/** How a native reader's last read read the details of its new identities (DetailsStats of native/linux/proc_snapshot.h). */
export interface DetailsStats {
  /** Identities whose owner, command line and executable the last read read. */
  readonly read: number;
  /** Helper threads started to read them beside the reader's own (0: that thread alone). */
  readonly helpers: number;
  /** How many of them the helpers read. */
  readonly byHelpers: number;
}

/**
 * The native reader's own thread (ReaderThreadInfo of native/linux/reader_thread.h): every read
 * runs there, kReaderNiceIncrement nicer than the process, so the JS thread wins a CPU they share.
 */
export interface ReaderThreadInfo {
  /** False until the first read started the thread (or when no thread could be had: reads then run on a libuv pool thread). */
  readonly started: boolean;
  /** Kernel thread id (0 before it started). */
  readonly tid: number;
  /** Its nice value as the kernel reported it back after the thread raised it. */
  readonly nice: number;
}

/** Whether a reader process reads, and why not when it was asked for and does not. */
export interface ReaderProcessInfo {
  /** readerProcess was asked for. */
  readonly asked: boolean;
  /** Its PID while it reads (0 before the first read, and once the in-process reader took over). */
  readonly pid: number;
  /** Why the in-process reader reads instead (null while the reader process reads, or before it was tried). */
  readonly failure: string | null;
  /** Breaks the reader process's passes have taken so far (passBreakMs), as of its last answer. */
  readonly passBreaks: number;
  /** Breaks at which it slept because the JS thread waited behind it (yieldToJsThread), as of its last answer. */
  readonly yields: number;
  /** The sleeps at those breaks (50 µs each asked, at most 20 per break). */
  readonly yieldSleeps: number;
  /** How long those sleeps took in all (ms), until the reader ran again. */
  readonly yieldedMs: number;
}

/** The addon's SnapshotReader: one read at a time (the next read refills the same buffers). */
export interface PackedSnapshotSource {
  read(): Promise<PackedSnapshot>;
  /** Forgets every identity and closes every kept handle: the next read sends every detail again. */
  forgetAll(): void;
  handleStats(): StatHandleStats;
  listingStats(): PidListingStats;
  readerThread(): ReaderThreadInfo;
  /** Whether a reader process reads (absent: never; src/sys/native-addon.ts). */
  readerProcess?(): ReaderProcessInfo;
}

/** Decoding runs at most this long before it lets the event loop turn. */
const SLICE_MS = 1.5;
/** Processes decoded between two looks at the clock. */
const CHECK_EVERY = 64;

const stateLetters: string[] = [];
const letter = (code: number): string => stateLetters[code] ?? (stateLetters[code] = String.fromCharCode(code));

/**
 * The number as a small integer when it is one. A number read from a Float64Array is a double,
 * and V8 boxes every double field of a record in a 16-byte object of its own: fifteen of them
 * more than doubled each record (and the copying a young-generation GC does), where an int32 is
 * stored in the record itself. pid, ppid, pgid, sid, threads, nice, priority and ttyNr are int
 * in the kernel and are truncated with `| 0` directly.
 */
const small = (value: number): number => ((value | 0) === value ? value | 0 : value);

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A Float64Array view of one of the packed columns (no copy). */
function columnView(packed: Pick<PackedSnapshot, 'count' | 'columns'>, name: ProcessColumn): Float64Array {
  const k = PROCESS_COLUMNS.indexOf(name);
  return packed.columns.subarray(k * packed.count, (k + 1) * packed.count);
}

function cpuAt(values: Float64Array, offset: number): CpuTimes {
  return {
    user: values[offset] as number,
    nice: values[offset + 1] as number,
    system: values[offset + 2] as number,
    idle: values[offset + 3] as number,
    iowait: values[offset + 4] as number,
    irq: values[offset + 5] as number,
    softirq: values[offset + 6] as number,
    steal: values[offset + 7] as number,
  };
}

const SYSTEM_INDEX = Object.fromEntries(SYSTEM_FIELDS.map((name, i) => [name, i])) as Record<SystemField, number>;

/** The system figures and timestamps of a packed snapshot. */
export function decodeSystem(values: Float64Array): { timestampMs: number; monotonicMs: number; readStartMonotonicMs: number; system: SystemInfo } {
  const at = (field: SystemField): number => values[SYSTEM_INDEX[field]] as number;
  const cpuCount = at('cpuCount');
  let offset = SYSTEM_FIELDS.length;
  const cpuTotal = cpuAt(values, offset);
  const cpus: CpuTimes[] = [];
  for (let c = 0; c < cpuCount; c++) {
    offset += CPU_FIELDS.length;
    cpus.push(cpuAt(values, offset));
  }
  return {
    timestampMs: at('timestampMs'),
    monotonicMs: at('monotonicMs'),
    readStartMonotonicMs: at('readStartMonotonicMs'),
    system: {
      cpuTotal,
      cpus,
      memTotalBytes: at('memTotalBytes'),
      memAvailableBytes: at('memAvailableBytes'),
      memFreeBytes: at('memFreeBytes'),
      buffersBytes: at('buffersBytes'),
      cachedBytes: at('cachedBytes'),
      swapTotalBytes: at('swapTotalBytes'),
      swapFreeBytes: at('swapFreeBytes'),
      loadAvg: [at('loadAvg1'), at('loadAvg5'), at('loadAvg15')],
      uptimeSeconds: at('uptimeSeconds'),
      bootTimeMs: at('bootTimeMs'),
      clockTicks: at('clockTicks'),
      pageSize: at('pageSize'),
      procsRunning: at('procsRunning'),
    },
  };
}

/**
 * Reads that leave more records than this to build hand out a lazy list (records built when read)
 * instead of building them all: a first read of 20,000 processes made ~6 MB of records at once,
 * and the young-generation GC that copied them held the event loop for 3–13 ms.
 */
export const LAZY_FROM = 2048;

/** What SlotStore keeps per identity slot, STORE_WIDTH numbers in a row. */
const STORE_FIELDS = [
  'pid',
  'startTime',
  'ppid',
  'pgid',
  'sid',
  'uid',
  'state',
  'utime',
  'stime',
  'rssBytes',
  'vsizeBytes',
  'threads',
  'nice',
  'priority',
  'ttyNr',
  'isKernelThread',
  'hasExe',
  'argc',
  'textAscii',
  'textBytes',
] as const satisfies readonly ProcessColumn[];
const STORE_WIDTH = STORE_FIELDS.length + 1;
/** The first FIGURES of STORE_FIELDS are figures; the rest say how to read the details text. */
const FIGURES = STORE_FIELDS.indexOf('hasExe');
/** Where, in the slot's text bytes, its details start (the last number of a slot's row). */
const TEXT_OFFSET = STORE_FIELDS.length;
const F = Object.fromEntries(STORE_FIELDS.map((name, i) => [name, i])) as Record<(typeof STORE_FIELDS)[number], number>;

/**
 * The columns a read's rows are put in the store from: STORE_FIELDS in order, then the row's
 * identity slot and whether its details are fresh. An array of typed arrays, whose shapes V8
 * never drops: a class or object literal made per read had shapes no live object kept, which a
 * full GC dropped, and V8 then threw away the code optimized for them (README: Design).
 */
type ReadColumns = Float64Array[];
const SLOT_COLUMN = STORE_FIELDS.length;
const FRESH_COLUMN = STORE_FIELDS.length + 1;

function readColumns(packed: Pick<PackedSnapshot, 'count' | 'columns'>): ReadColumns {
  return [...STORE_FIELDS.map((name) => columnView(packed, name)), columnView(packed, 'slot'), columnView(packed, 'detailsFresh')];
}

/** Slots per store page (a power of two). */
const PAGE_BITS = 10;
const PAGE_SLOTS = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SLOTS - 1;

/** PAGE_SLOTS consecutive identity slots of a SlotStore (see there for what each list holds). */
class StorePage {
  readonly numbers = new Float64Array(STORE_WIDTH * PAGE_SLOTS);
  readonly generation = new Uint32Array(PAGE_SLOTS);
  readonly records: (RawProcess | undefined)[] = new Array(PAGE_SLOTS);
  readonly text: (Buffer | undefined)[] = new Array(PAGE_SLOTS);
  readonly details: (RawProcess | undefined)[] = new Array(PAGE_SLOTS);
}

/**
 * The figures of every identity slot as numbers (outside the V8 heap, so no GC copies them), the
 * bytes of details not decoded yet, and the record built for each slot's current figures. A read
 * changes only the slots of its rows; a record is built the first time something asks for it and
 * is then handed out until its slot changes, so an unchanged process keeps the same record.
 *
 * Slots live in pages of PAGE_SLOTS, added as a read's rows reach them. Grown as one array per
 * list, a first read of 20,000 processes allocated and copied ~4 MB in one step before its first
 * slice, and held the event loop for 3–6 ms; a page is ~200 KB, made inside a slice.
 */
class SlotStore {
  private pages: StorePage[] = [];
  /** Lists of earlier reads that may still build records: told a slot's record before it changes. */
  private views: WeakRef<LazyProcessList>[] = [];
  /** Records built since the last read, by the raw text of their details: identical details are decoded once. */
  private twins = new Map<string, RawProcess>();
  /** Reads applied so far. */
  reads = 0;

  /** Starts applying a read: returns its number. */
  beginRead(): number {
    this.twins = new Map();
    this.views = this.views.filter((view) => view.deref() !== undefined);
    return ++this.reads;
  }

  /** The slot's record for an earlier list (`read`), or undefined when the slot moved on after it. */
  recordFor(slot: number, read: number): RawProcess | undefined {
    const page = this.pages[slot >> PAGE_BITS] as StorePage;
    const i = slot & PAGE_MASK;
    if ((page.generation[i] as number) > read) return undefined;
    return page.records[i] ?? this.build(slot);
  }

  /** True when the slot describes a process now. */
  has(slot: number): boolean {
    if (slot >> PAGE_BITS >= this.pages.length) return false;
    const page = this.pages[slot >> PAGE_BITS] as StorePage;
    const i = slot & PAGE_MASK;
    return page.generation[i] !== 0 && (page.records[i] !== undefined || page.text[i] !== undefined || page.details[i] !== undefined);
  }

  /** True when the slot's record has been built. */
  built(slot: number): boolean {
    return (this.pages[slot >> PAGE_BITS] as StorePage).records[slot & PAGE_MASK] !== undefined;
  }

  /** Remembers a lazy list, so it gets the records of slots that change after its read. */
  watch(view: LazyProcessList): void {
    this.views.push(new WeakRef(view));
  }

  /** The identity of the slot ended. */
  free(slot: number, read: number): void {
    if (!this.has(slot)) return;
    this.retire(slot);
    const page = this.pages[slot >> PAGE_BITS] as StorePage;
    const i = slot & PAGE_MASK;
    page.records[i] = undefined;
    page.text[i] = undefined;
    page.details[i] = undefined;
    page.generation[i] = read;
  }

  /**
   * Row `row` of the packed columns describes the slot now (details in `text` from `offset` when
   * fresh). Throws when it has no details and the slot none either.
   */
  setFromRow(slot: number, read: number, c: ReadColumns, row: number, text: Buffer, offset: number): void {
    const fresh = (c[FRESH_COLUMN] as Float64Array)[row] === 1;
    this.ensure(slot);
    const present = this.has(slot);
    if (present) this.retire(slot);
    const page = this.pages[slot >> PAGE_BITS] as StorePage;
    const i = slot & PAGE_MASK;
    if (fresh) {
      page.text[i] = text;
      page.details[i] = undefined;
    } else {
      // Figures moved, details did not: the identity's earlier record has them.
      const known = present ? (page.records[i] ?? page.details[i]) : undefined;
      if (known === undefined && !(present && page.text[i] !== undefined)) {
        throw new Error(`native snapshot: no details for identity slot ${slot} (pid ${(c[F.pid] as Float64Array)[row]})`);
      }
      if (known !== undefined) page.details[i] = known;
    }
    const numbers = page.numbers;
    const base = i * STORE_WIDTH;
    // The figures always; how to read the details only with fresh details (a slot's undecoded
    // text from an earlier read keeps its offset and length).
    const fields = fresh ? STORE_FIELDS.length : FIGURES;
    for (let k = 0; k < fields; k++) numbers[base + k] = (c[k] as Float64Array)[row] as number;
    if (fields === STORE_FIELDS.length) numbers[base + TEXT_OFFSET] = offset;
    page.records[i] = undefined;
    page.generation[i] = read;
  }

  /** Hands the slot's record as it is now to every list that may still ask for it, before it changes. */
  private retire(slot: number): void {
    if (this.views.length === 0) return;
    const page = this.pages[slot >> PAGE_BITS] as StorePage;
    const since = page.generation[slot & PAGE_MASK] as number;
    let record: RawProcess | undefined;
    for (const ref of this.views) {
      const view = ref.deref();
      if (view === undefined || view.read < since) continue;
      record ??= page.records[slot & PAGE_MASK] ?? this.build(slot);
      view.keep(slot, record);
    }
  }

  /** Makes room for slots up to `slot`: adds the pages it needs (earlier slots keep theirs). */
  ensure(slot: number): void {
    while (slot >> PAGE_BITS >= this.pages.length) this.pages.push(new StorePage());
  }

  /** Builds the record of the slot's current figures (and decodes its details if not done yet). */
  private build(slot: number): RawProcess {
    const page = this.pages[slot >> PAGE_BITS] as StorePage;
    const i = slot & PAGE_MASK;
    const n = page.numbers;
    const base = i * STORE_WIDTH;
    let comm: string;
    let user: string;
    let exe: string | null;
    let argv: readonly string[];
    let twinKey: string | null = null;
    const bytes = page.text[i];
    if (bytes !== undefined) {
      // One string per process (ASCII straight from the bytes, anything else through decodeBytes,
      // invalid UTF-8 kept as lone surrogates as the JS backend does): one call into Node per process.
      const start = n[base + TEXT_OFFSET] as number;
      const end = start + (n[base + F.textBytes] as number);
      const pieces = n[base + F.textAscii] === 1 ? bytes.toString('latin1', start, end) : decodeBytes(bytes.subarray(start, end));
      const hasExe = n[base + F.hasExe] === 1;
      const argc = n[base + F.argc] as number;
      const twin = this.twins.get(pieces);
      if (twin !== undefined && (twin.exe !== null) === hasExe && twin.argv.length === argc) {
        // Same comm, user, exe and argv as a process built earlier (a pool of workers, a farm):
        // share its strings, so the string just made is the only garbage.
        ({ comm, user, exe, argv } = twin);
      } else {
        // The pieces are sliced out of the one string, and live exactly as long as the process.
        let at = pieces.indexOf('\0');
        comm = pieces.slice(0, at);
        let from = at + 1;
        at = pieces.indexOf('\0', from);
        user = pieces.slice(from, at);
        exe = null;
        if (hasExe) {
          from = at + 1;
          at = pieces.indexOf('\0', from);
          exe = pieces.slice(from, at);
        }
        const list: string[] = new Array(argc);
        for (let a = 0; a < argc; a++) {
          from = at + 1;
          at = pieces.indexOf('\0', from);
          list[a] = pieces.slice(from, at);
        }
        argv = Object.freeze(list);
        twinKey = pieces;
      }
    } else {
      const known = page.details[i];
      if (known === undefined) throw new Error(`native snapshot: no record for identity slot ${slot}`);
      ({ comm, user, exe, argv } = known);
    }
    const record: RawProcess = Object.freeze({
      pid: n[base + F.pid]! | 0,
      startTime: small(n[base + F.startTime]!),
      ppid: n[base + F.ppid]! | 0,
      pgid: n[base + F.pgid]! | 0,
      sid: n[base + F.sid]! | 0,
      uid: small(n[base + F.uid]!),
      user,
      state: letter(n[base + F.state]!),
      comm,
      argv,
      exe,
      utime: small(n[base + F.utime]!),
      stime: small(n[base + F.stime]!),
      rssBytes: small(n[base + F.rssBytes]!),
      vsizeBytes: small(n[base + F.vsizeBytes]!),
      threads: n[base + F.threads]! | 0,
      nice: n[base + F.nice]! | 0,
      priority: n[base + F.priority]! | 0,
      ttyNr: n[base + F.ttyNr]! | 0,
      isKernelThread: n[base + F.isKernelThread] === 1,
    });
    page.records[i] = record;
    // The bytes are decoded: the record carries the details from now on (and the read's text
    // buffer can go once no slot needs it).
    page.text[i] = undefined;
    page.details[i] = record;
    if (twinKey !== null) this.twins.set(twinKey, record);
    return record;
  }
}

/** The array index a property key names, or -1 (canonical decimal below length only, as arrays read keys). */
function indexOf(key: string, length: number): number {
  const size = key.length;
  if (size === 0 || size > 10) return -1;
  let value = 0;
  for (let k = 0; k < size; k++) {
    const digit = key.charCodeAt(k) - 48;
    if (digit < 0 || digit > 9 || (digit === 0 && k === 0 && size > 1)) return -1;
    value = value * 10 + digit;
  }
  return value < length ? value : -1;
}

/**
 * Snapshot.processes of a read that would have built thousands of records at once: an array (a
 * Proxy over one: Array.isArray, length, indexing, iteration, array methods and JSON all work)
 * whose record is built the first time an index is read, then kept. Records are the ones the store
 * hands out, so identity holds across reads; a slot that changes after this read first gives this
 * list its record as of this read (SlotStore.retire). Read-only; structuredClone refuses a Proxy,
 * so copy it (`[...processes]`) to post it to a worker.
 */
class LazyProcessList implements ProxyHandler<RawProcess[]> {
  /** Records of slots that changed after this read, as they were at this read. */
  private readonly kept = new Map<number, RawProcess>();

  constructor(
    private readonly store: SlotStore,
    private readonly order: Uint32Array,
    readonly read: number,
  ) {}

  /** Makes the list: a Proxy over a holey array of the right length. */
  static create(store: SlotStore, order: Uint32Array, read: number): readonly RawProcess[] {
    const handler = new LazyProcessList(store, order, read);
    const target: RawProcess[] = [];
    target.length = order.length;
    store.watch(handler);
    const list = new Proxy(target, handler);
    // util.inspect (console.log) formats a Proxy's target, not through its traps: it would show
    // empty items. The target's own (non-enumerable) inspect hook shows the records instead.
    Object.defineProperty(target, inspect.custom, { value: (_depth: number, options: InspectOptions) => inspect([...list], options) });
    return list;
  }

  keep(slot: number, record: RawProcess): void {
    if (!this.kept.has(slot)) this.kept.set(slot, record);
  }

  private at(index: number): RawProcess {
    const slot = this.order[index] as number;
    const record = this.store.recordFor(slot, this.read) ?? this.kept.get(slot);
    if (record === undefined) throw new Error(`native snapshot: no record for identity slot ${slot}`);
    return record;
  }

  get(target: RawProcess[], key: string | symbol, receiver: unknown): unknown {
    if (typeof key === 'string') {
      const index = indexOf(key, this.order.length);
      if (index >= 0) return this.at(index);
    }
    return Reflect.get(target, key, receiver);
  }

  has(target: RawProcess[], key: string | symbol): boolean {
    return (typeof key === 'string' && indexOf(key, this.order.length) >= 0) || Reflect.has(target, key);
  }

  getOwnPropertyDescriptor(target: RawProcess[], key: string | symbol): PropertyDescriptor | undefined {
    if (typeof key === 'string') {
      const index = indexOf(key, this.order.length);
      if (index >= 0) return { value: this.at(index), writable: false, enumerable: true, configurable: true };
    }
    return Reflect.getOwnPropertyDescriptor(target, key);
  }

  ownKeys(target: RawProcess[]): (string | symbol)[] {
    return [...Array.from({ length: this.order.length }, (_, i) => String(i)), ...Reflect.ownKeys(target)];
  }

  set(): boolean {
    return false;
  }

  defineProperty(): boolean {
    return false;
  }

  deleteProperty(): boolean {
    return false;
  }
}

/**
 * Turns the addon's packed reads into Snapshots. The addon sends rows only for processes that are
 * new or whose figures moved (most are idle between two refreshes); their figures go into a store
 * per identity slot (typed arrays, outside the V8 heap), and a record is built for a slot when
 * something reads it, then handed back until the slot changes. A read leaving at most LAZY_FROM
 * records to build (a steady refresh) builds them here and lists plain records; a larger one (a
 * first read) hands out a lazy list, so a cold read of 20,000 processes allocates no records at
 * all until they are read. Applying a read yields to the event loop every SLICE_MS.
 */
export class NativeSnapshotReader {
  private store = new SlotStore();
  /** The read in flight (or last settled): reads run one after another, each decoded before the next. */
  private queue: Promise<unknown> = Promise.resolve();

  /** @param lazyFrom reads leaving more records than this to build hand out a lazy list (tests set 0 or Infinity). */
  constructor(
    private readonly source: PackedSnapshotSource,
    private readonly lazyFrom: number = LAZY_FROM,
  ) {}

  /** Reads every process on the addon's worker thread, then decodes it here in slices. */
  snapshot(): Promise<Snapshot> {
    const next = this.queue.then(
      () => this.readAndDecode(),
      () => this.readAndDecode(),
    );
    // Settled to nothing: the queue must not keep the last snapshot (and its lazy list) alive.
    this.queue = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  /** The kept stat handles (for tests and the bench). */
  handleStats(): StatHandleStats {
    return this.source.handleStats();
  }

  /** How the reads listed /proc (for tests and the bench). */
  listingStats(): PidListingStats {
    return this.source.listingStats();
  }

  /** The thread the addon reads on (for tests and the bench). */
  readerThread(): ReaderThreadInfo {
    return this.source.readerThread();
  }

  /** Whether a reader process reads (for tests and the bench). */
  readerProcess(): ReaderProcessInfo {
    return this.source.readerProcess?.() ?? { asked: false, pid: 0, failure: null, passBreaks: 0, yields: 0, yieldSleeps: 0, yieldedMs: 0 };
  }

  private async readAndDecode(): Promise<Snapshot> {
    let packed: PackedSnapshot;
    try {
      packed = await this.source.read();
    } catch (error) {
      // A failed read has made the addon forget every identity: its next read describes all anew.
      // (Lists already handed out keep the old store.)
      this.store = new SlotStore();
      throw error;
    }
    try {
      return withReaderWarning(await this.decode(packed), this.source.readerProcess?.());
    } catch (error) {
      // Both sides start over (the addon has already counted this read's changes as delivered),
      // so neither can describe a slot by the other's old contents.
      this.store = new SlotStore();
      this.source.forgetAll();
      throw error;
    }
  }

  private async decode(packed: PackedSnapshot): Promise<Snapshot> {
    // The read resolved from the addon's completion callback, in the loop's poll phase. An
    // immediate queued there runs in the same turn's check phase, before any timer could: the
    // first slice would follow the callback's copying with no break. A second immediate, queued
    // from the check phase, runs in the next turn, after timers and I/O. A handful of rows is
    // not worth the two hops.
    if (packed.count > CHECK_EVERY) {
      await yieldToLoop();
      await yieldToLoop();
    }
    // Decoding the system figures and copying small text count toward the first slice.
    const sliceStart = performance.now();
    const { timestampMs, monotonicMs, readStartMonotonicMs, system } = decodeSystem(packed.system);
    const store = this.store;
    const read = store.beginRead();
    freeSlots(store, packed.freed, read);
    const c = readColumns(packed);
    // Small text crosses in a buffer the addon refills on the next read: details not decoded yet
    // need their own copy. Large text (a first read) is handed over and is this read's own.
    const text = packed.textLength === 0 ? EMPTY : packed.textOwned === true ? Buffer.from(packed.text, 0, packed.textLength) : Buffer.from(new Uint8Array(packed.text, 0, packed.textLength));
    // The loops run in the small functions below, a slice per call: out of this async function,
    // they stay optimized from read to read (steady reads run them too). Written in it, a first
    // read of 20,000 processes had V8 optimize the whole async function again (OSR and regular,
    // 7-24 ms of compiling each time on V8's worker threads, which took the CPU from this
    // thread, then up to 9 ms of finishing the code on this thread).
    const rows = rowCursor();
    let deadline = sliceStart + SLICE_MS;
    while (applyRows(store, read, c, text, packed.count, rows, deadline) < packed.count) {
      await yieldToLoop();
      deadline = performance.now() + SLICE_MS;
    }
    // Every process, changed or not, in pid order (the addon refills `order` on the next read).
    const order = packed.order.slice();
    const unbuilt = rowCursor();
    while (countUnbuilt(store, order, unbuilt, deadline) < order.length) {
      await yieldToLoop();
      deadline = performance.now() + SLICE_MS;
    }
    if ((unbuilt[COUNT] as number) > this.lazyFrom) {
      return { timestampMs, monotonicMs, readStartMonotonicMs, processes: LazyProcessList.create(store, order, read), system, warnings: packed.warnings };
    }
    const processes: RawProcess[] = new Array(order.length);
    const listed = rowCursor();
    while (listRecords(store, order, read, processes, listed, deadline) < order.length) {
      await yieldToLoop();
      deadline = performance.now() + SLICE_MS;
    }
    return { timestampMs, monotonicMs, readStartMonotonicMs, processes, system, warnings: packed.warnings };
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * The snapshot, with a warning when a reader process was asked for and the in-process reader reads
 * instead (it could not be started, or it ended): the reads still work, but in proctop's own
 * process, where the kernel's autogroup charges them to the session of the event loop a person
 * waits on (README Design: the reader process). Said on every snapshot while it holds.
 */
function withReaderWarning(snapshot: Snapshot, reader: ReaderProcessInfo | undefined): Snapshot {
  if (!reader?.asked || reader.failure === null) return snapshot;
  return { ...snapshot, warnings: [...snapshot.warnings, `${READER_FALLBACK_WARNING} (${reader.failure})`] };
}

/** The start of the warning withReaderWarning adds (the reason follows in parentheses). */
export const READER_FALLBACK_WARNING = "reader process not running: /proc is read on a thread of proctop's own process";

/**
 * How far a sliced loop of NativeSnapshotReader.decode got: [AT] the next index, [COUNT] what it
 * carries on (applyRows: where the next fresh row's details start in the text; countUnbuilt:
 * records not built yet). A typed array, whose shape V8 never drops (see ReadColumns).
 */
type RowCursor = Float64Array;
const AT = 0;
const COUNT = 1;
const rowCursor = (): RowCursor => new Float64Array(2);

/** Frees the slots whose identity ended. */
function freeSlots(store: SlotStore, freed: Uint32Array, read: number): void {
  for (let i = 0; i < freed.length; i++) store.free(freed[i] as number, read);
}

/** True when the loop at `index` should look at the clock and has passed `deadline`. */
const sliceOver = (index: number, deadline: number): boolean => index % CHECK_EVERY === CHECK_EVERY - 1 && performance.now() >= deadline;

/** Puts the read's rows from `cursor[AT]` into the store until `deadline`; returns the next row (count: all done). */
function applyRows(store: SlotStore, read: number, c: ReadColumns, text: Buffer, count: number, cursor: RowCursor, deadline: number): number {
  const slots = c[SLOT_COLUMN] as Float64Array;
  const fresh = c[FRESH_COLUMN] as Float64Array;
  const textBytes = c[F.textBytes] as Float64Array;
  const from = cursor[AT] as number;
  let row = from;
  let textAt = cursor[COUNT] as number;
  for (; row < count; row++) {
    if (row > from && sliceOver(row, deadline)) break;
    store.setFromRow(slots[row] as number, read, c, row, text, textAt);
    if (fresh[row] === 1) textAt += textBytes[row] as number;
  }
  cursor[AT] = row;
  cursor[COUNT] = textAt;
  return row;
}

/** Checks every slot of `order` from `cursor[AT]` has a process, counting the records not built yet, until `deadline`; returns the next index. */
function countUnbuilt(store: SlotStore, order: Uint32Array, cursor: RowCursor, deadline: number): number {
  const from = cursor[AT] as number;
  let i = from;
  let unbuilt = cursor[COUNT] as number;
  for (; i < order.length; i++) {
    if (i > from && sliceOver(i, deadline)) break;
    const slot = order[i] as number;
    if (!store.has(slot)) throw new Error(`native snapshot: no record for identity slot ${slot}`);
    if (!store.built(slot)) unbuilt++;
  }
  cursor[AT] = i;
  cursor[COUNT] = unbuilt;
  return i;
}

/** Lists the record of every slot of `order` from `cursor[AT]` into `processes` until `deadline`; returns the next index. */
function listRecords(store: SlotStore, order: Uint32Array, read: number, processes: RawProcess[], cursor: RowCursor, deadline: number): number {
  const from = cursor[AT] as number;
  let i = from;
  for (; i < order.length; i++) {
    if (i > from && sliceOver(i, deadline)) break;
    processes[i] = store.recordFor(order[i] as number, read) as RawProcess;
  }
  cursor[AT] = i;
  return i;
}
