import { startFreezeWatchdog } from './freeze-watchdog.js';
import { loadNativeAddon, readerProcessWanted } from './native-addon.js';
import { JsSnapshotReader } from './js/snapshot.js';
import { listFdsJs, withOwnPipeEnds } from './js/fds.js';
import { unpackFdListing, unpackSocketOwners } from './native-fds.js';
import { unpackSignalDelivery } from './native-signal.js';
import { nativeFileBatch } from './native-files.js';
import { checkSnapshotLayout, NativeSnapshotReader } from './native-snapshot.js';
import { takeFirstRead } from './first-read.js';
import { signalJs, signalJsSync } from './js/signal.js';
import { probeProcesses, readBootId, spawnDetached } from './tracking.js';
import { listSocketOwnersJs, readInetSockets, readOwnNetns } from './js/socket-owners.js';
import {
  readAncestors,
  readPriority,
  readProcessLink,
  readProcessStatus,
  isHiddenProcess,
  procHidesProcesses,
  readSelfContext,
  readSystemFigures,
  resolvePath,
  setIdentityPriority,
} from './process-reads.js';
import { ExtrasReader } from './js/extras.js';
import { inspectProcess } from './js/inspect.js';
import type { Collector } from './types.js';

export type BackendName = 'native' | 'js';

export interface CollectorOptions {
  /** Root of the proc filesystem; tests pass fixture trees. */
  readonly procRoot?: string;
  /** Force a backend; defaults to PROCTOP_BACKEND, then native with JS fallback. */
  readonly backend?: BackendName;
}

export interface CollectorChoice {
  readonly collector: Collector;
  /** Set when the native backend was wanted but the JS fallback is in use: say it once to the user. */
  readonly notice: string | null;
}

/**
 * Creates the pure-JS collector: plain /proc reads. (pidusage reads the same stat file but yields
 * no start time, state, threads or argv, so it serves as a cross-check in tests, not as a backend.)
 */
export function createJsCollector(procRoot = '/proc'): Collector {
  const reader = new JsSnapshotReader(procRoot);
  const extras = new ExtrasReader(procRoot);
  const listFds: Collector['listFds'] = (pid, options) => listFdsJs(procRoot, pid, { pipePeers: options?.pipePeers ?? true });
  return {
    backend: 'js',
    snapshot: () => reader.snapshot(),
    listFds,
    signal: (target, sig) => signalJs(procRoot, target, sig),
    // Node has no pidfd API: an exit handler's signal is check-then-kill, synchronously.
    signalSync: (target, sig) => signalJsSync(procRoot, target, sig).outcome,
    readExtras: (targets, request) => extras.read(targets, request),
    inspect: (pid, startTime, options) => inspectProcess(procRoot, pid, startTime, options ?? {}, listFds),
    listSocketOwners: async () => {
      const [ownNetns, processes] = await Promise.all([readOwnNetns(procRoot), listSocketOwnersJs(procRoot)]);
      return { ownNetns, processes };
    },
    ...coldPath(procRoot),
  };
}

/** The methods both backends share (cold paths: one TypeScript implementation, see process-reads.ts and tracking.ts). */
function coldPath(procRoot: string): Pick<
  Collector,
  | 'startFreezeWatchdog'
  | 'readProcess'
  | 'isHiddenProcess'
  | 'processesHidden'
  | 'readAncestors'
  | 'readLink'
  | 'resolvePath'
  | 'systemInfo'
  | 'selfContext'
  | 'readPriority'
  | 'setPriority'
  | 'listInetSockets'
  | 'bootId'
  | 'probeProcesses'
  | 'readProcessRecord'
  | 'spawnDetached'
> {
  // One full record on demand (track add): the snapshot reader's own per-process read.
  const oneProcess = new JsSnapshotReader(procRoot);
  return {
    bootId: () => readBootId(procRoot),
    probeProcesses: (pids) => probeProcesses(procRoot, pids),
    readProcessRecord: (pid) => oneProcess.readOne(pid),
    spawnDetached: (spec) => spawnDetached(procRoot, spec),
    startFreezeWatchdog: () => startFreezeWatchdog(),
    readProcess: (pid) => readProcessStatus(procRoot, pid),
    isHiddenProcess: (pid) => isHiddenProcess(procRoot, pid),
    processesHidden: () => procHidesProcesses(procRoot),
    readAncestors: (pid) => readAncestors(procRoot, pid),
    readLink: (pid, name) => readProcessLink(procRoot, pid, name),
    resolvePath: (path) => resolvePath(path),
    systemInfo: () => readSystemFigures(procRoot),
    selfContext: () => readSelfContext(procRoot),
    readPriority: (pid) => readPriority(pid),
    setPriority: (target, nice) => setIdentityPriority(procRoot, target, nice),
    listInetSockets: (pid) => readInetSockets(procRoot, pid),
  };
}

/** How the native collector reads. */
export interface NativeCollectorOptions {
  /**
   * Read snapshots in a reader process of its own session (default: yes unless
   * PROCTOP_READER=thread), else on a reader thread in this process. See
   * SnapshotReaderOptions.readerProcess in src/sys/native-addon.ts.
   */
  readonly readerProcess?: boolean;
}

/** Creates the native collector, or returns the reason it cannot. */
export function createNativeCollector(procRoot = '/proc', options: NativeCollectorOptions = {}): Collector | string {
  const load = loadNativeAddon();
  if (!load.addon) return load.error;
  const addon = load.addon;
  // An addon packing other columns than the decoder reads is refused here, by name, never misread.
  const layoutProblem = checkSnapshotLayout(addon.snapshotLayout);
  if (layoutProblem) return layoutProblem;
  // The reader whose first read the CLI started before this module loaded (src/sys/first-read.ts), if it did.
  const reader = new NativeSnapshotReader(takeFirstRead(procRoot) ?? new addon.SnapshotReader(procRoot, { readerProcess: options.readerProcess ?? readerProcessWanted() }));
  // The TypeScript extras reader and its parsers, reading the files through the addon in batches.
  const extras = new ExtrasReader(procRoot, { batch: nativeFileBatch((...args) => addon.readProcFiles(...args), procRoot) });
  const listFds: Collector['listFds'] = async (pid, options) =>
    withOwnPipeEnds(procRoot, unpackFdListing(await addon.listFds(procRoot, pid, { pipePeers: options?.pipePeers ?? true })));
  return {
    backend: 'native',
    snapshot: () => reader.snapshot(),
    listFds,
    signal: async (target, sig) => unpackSignalDelivery(await addon.sendSignal(procRoot, target.pid, target.startTime, sig)),
    // An exit handler cannot wait for a worker: the same pidfd-checked delivery, on this thread.
    signalSync: (target, sig) => unpackSignalDelivery(addon.sendSignalSync(procRoot, target.pid, target.startTime, sig)).outcome,
    readExtras: (targets, request) => extras.read(targets, request),
    // One process on demand: the TypeScript reader, with the addon's fd lister.
    inspect: (pid, startTime, options) => inspectProcess(procRoot, pid, startTime, options ?? {}, listFds),
    listSocketOwners: async () => {
      const [ownNetns, packed] = await Promise.all([readOwnNetns(procRoot), addon.listSocketOwners(procRoot)]);
      return { ownNetns, processes: unpackSocketOwners(packed) };
    },
    ...coldPath(procRoot),
  };
}

function parseBackend(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'native' || value === 'js') return value;
  throw new Error(`PROCTOP_BACKEND must be "native" or "js", not "${value}"`);
}

/** Picks the backend: explicit option, then PROCTOP_BACKEND, then native falling back to JS. */
export function createCollector(options: CollectorOptions = {}): CollectorChoice {
  const procRoot = options.procRoot ?? '/proc';
  const wanted = options.backend ?? parseBackend(process.env.PROCTOP_BACKEND);
  if (wanted === 'js') return { collector: createJsCollector(procRoot), notice: null };
  const native = createNativeCollector(procRoot);
  if (typeof native !== 'string') return { collector: native, notice: null };
  if (wanted === 'native') throw new Error(`PROCTOP_BACKEND=native but ${native}`);
  return { collector: createJsCollector(procRoot), notice: `using the JS fallback backend: ${native}` };
}
