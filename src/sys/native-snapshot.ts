// Decodes the addon's packed snapshots (native/snapshot_binding.cc) into Snapshot records. The
// addon hands over, for the processes that are new or changed since its previous read only,
// columns — one Float64Array, one column of numbers per field after another — plus the raw bytes
// of comm, user, exe and argv for the identities it has not described before; and the identity
// slot of every process in pid order, so unchanged processes keep the record decoded earlier.
// The column names are defined once, in native/snapshot_layout.h; this file holds the same
// lists and refuses an addon whose lists differ (checkSnapshotLayout), so the two sides can
// never drift apart silently.
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

/** The addon's SnapshotReader: one read at a time (the next read refills the same buffers). */
export interface PackedSnapshotSource {
  read(): Promise<PackedSnapshot>;
  /** Forgets every identity and closes every kept handle: the next read sends every detail again. */
  forgetAll(): void;
  handleStats(): StatHandleStats;
  readerThread(): ReaderThreadInfo;
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

/** One Float64Array view per column over the packed columns (no copy). */
function columnViews(packed: PackedSnapshot): Record<ProcessColumn, Float64Array> {
  const views = {} as Record<ProcessColumn, Float64Array>;
  const { count, columns } = packed;
  for (let k = 0; k < PROCESS_COLUMNS.length; k++) {
    views[PROCESS_COLUMNS[k] as ProcessColumn] = columns.subarray(k * count, (k + 1) * count);
  }
  return views;
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
 * Turns the addon's packed reads into Snapshots. It keeps, per identity slot, the last record it
 * handed out: the addon sends rows only for processes that are new or whose figures moved (most
 * are idle between two refreshes), so a steady refresh hands back last time's frozen records (no
 * allocation, nothing new for GC), builds records only for the changed rows and decodes text only
 * for new identities. It yields to the event loop every SLICE_MS, so even a first, cold decode of
 * 20,000 processes never holds the loop for long.
 */
export class NativeSnapshotReader {
  /** The record last handed out per identity slot: what the addon's next read is a change against. */
  private readonly lastBySlot: (RawProcess | undefined)[] = [];
  /** The read in flight (or last settled): reads run one after another, each decoded before the next. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly source: PackedSnapshotSource) {}

  /** Reads every process on the addon's worker thread, then decodes it here in slices. */
  snapshot(): Promise<Snapshot> {
    const next = this.queue.then(
      () => this.readAndDecode(),
      () => this.readAndDecode(),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The kept stat handles (for tests and the bench). */
  handleStats(): StatHandleStats {
    return this.source.handleStats();
  }

  /** The thread the addon reads on (for tests and the bench). */
  readerThread(): ReaderThreadInfo {
    return this.source.readerThread();
  }

  private async readAndDecode(): Promise<Snapshot> {
    let packed: PackedSnapshot;
    try {
      packed = await this.source.read();
    } catch (error) {
      // A failed read has made the addon forget every identity: its next read describes all anew.
      this.lastBySlot.length = 0;
      throw error;
    }
    try {
      return await this.decode(packed);
    } catch (error) {
      // Both sides start over (the addon has already counted this read's changes as delivered),
      // so neither can describe a slot by the other's old contents.
      this.lastBySlot.length = 0;
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
    const { timestampMs, monotonicMs, readStartMonotonicMs, system } = decodeSystem(packed.system);
    const last = this.lastBySlot;
    for (const slot of packed.freed) last[slot] = undefined;
    const c = columnViews(packed);
    const text = Buffer.from(packed.text, 0, packed.textLength);
    let cursor = 0;
    /**
     * Records of this read by the raw text of their comm, user, exe and argv: every survivor of a
     * young-generation GC is copied, so identical details are made once, not once per process.
     */
    const twins = new Map<string, RawProcess>();
    let sliceStart = performance.now();
    for (let i = 0; i < packed.count; i++) {
      if (i % CHECK_EVERY === CHECK_EVERY - 1 && performance.now() - sliceStart >= SLICE_MS) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
      const slot = c.slot[i] as number;
      let comm: string;
      let user: string;
      let exe: string | null;
      let argv: readonly string[];
      let twinKey: string | null = null;
      if (c.detailsFresh[i] === 1) {
        // One string per process (ASCII straight from the bytes, anything else through decodeBytes,
        // invalid UTF-8 kept as lone surrogates as the JS backend does): one call into Node per process.
        const end = cursor + (c.textBytes[i] as number);
        const pieces = c.textAscii[i] === 1 ? text.toString('latin1', cursor, end) : decodeBytes(text.subarray(cursor, end));
        cursor = end;
        const hasExe = c.hasExe[i] === 1;
        const argc = c.argc[i] as number;
        const twin = twins.get(pieces);
        if (twin !== undefined && (twin.exe !== null) === hasExe && twin.argv.length === argc) {
          // Same comm, user, exe and argv as a process decoded earlier in this read (a pool of
          // workers, a farm): share its strings, so the string just made is the only garbage.
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
        // Figures moved, details did not: the identity's earlier record has them.
        const known = last[slot];
        if (known === undefined) throw new Error(`native snapshot: no details for identity slot ${slot} (pid ${c.pid[i]})`);
        ({ comm, user, exe, argv } = known);
      }
      const record: RawProcess = Object.freeze({
        pid: c.pid[i]! | 0,
        startTime: small(c.startTime[i]!),
        ppid: c.ppid[i]! | 0,
        pgid: c.pgid[i]! | 0,
        sid: c.sid[i]! | 0,
        uid: small(c.uid[i]!),
        user,
        state: letter(c.state[i]!),
        comm,
        argv,
        exe,
        utime: small(c.utime[i]!),
        stime: small(c.stime[i]!),
        rssBytes: small(c.rssBytes[i]!),
        vsizeBytes: small(c.vsizeBytes[i]!),
        threads: c.threads[i]! | 0,
        nice: c.nice[i]! | 0,
        priority: c.priority[i]! | 0,
        ttyNr: c.ttyNr[i]! | 0,
        isKernelThread: c.isKernelThread[i] === 1,
      });
      last[slot] = record;
      if (twinKey !== null) twins.set(twinKey, record);
    }
    // Every process, changed or not, in pid order: one array of references to the kept records.
    const { order } = packed;
    const processes: RawProcess[] = new Array(order.length);
    for (let i = 0; i < order.length; i++) {
      const record = last[order[i] as number];
      if (record === undefined) throw new Error(`native snapshot: no record for identity slot ${order[i]}`);
      processes[i] = record;
    }
    return { timestampMs, monotonicMs, readStartMonotonicMs, processes, system, warnings: packed.warnings };
  }
}
