// The shape the code promises, checked on the source text: one OS boundary (src/sys/), storage
// apart from it, no import circles. A small import-graph walk over src/ (TypeScript's own
// specifiers, resolved like NodeNext: './x.js' is './x.ts' or './x.tsx') does the cycle check;
// no extra tool is needed for a tree of this size.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(new URL(import.meta.url).pathname), '..');
const srcRoot = join(repoRoot, 'src');

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name)) files.push(path);
  }
  return files.sort();
}

/** Paths relative to src/, e.g. "actions/kill-many.ts". */
const FILES = sourceFiles(srcRoot).map((path) => relative(srcRoot, path));
const textOf = (file: string): string => readFileSync(join(srcRoot, file), 'utf8');

/** Source text without comments: a doc comment may say where a figure comes from; code may not go there. */
export function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[\s;{}(),])\/\/.*$/gm, '$1');
}

/** Folders allowed to reach the OS: the boundary itself, and proctop's own files (storage, config). */
const OS_ROOMS = ['sys/', 'storage/', 'config/'];
const outsideOsRooms = FILES.filter((file) => !OS_ROOMS.some((room) => file.startsWith(room)));

/**
 * What only the OS rooms may do, as patterns over code (comments left out). A /proc path is a
 * string that starts with "/proc" (a help text may still say, mid-sentence, which file a flag reads).
 */
const OS_ONLY: readonly (readonly [string, RegExp])[] = [
  ['names a /proc path', /['"`]\/proc(?=[/'"`$]|$)/m],
  ['imports child_process', /from\s+['"](node:)?child_process['"]|import\(\s*['"](node:)?child_process['"]\s*\)/],
  ['calls process.kill', /process\.kill\s*\(/],
  ['calls os.setPriority', /\bsetPriority\s*\(\s*[^{]/],
  ['imports the os priority calls', /import\s*\{[^}]*\b(setPriority|getPriority)\b[^}]*\}\s*from\s*['"](node:)?os['"]/],
  ['loads the native addon', /native-addon(\.js)?['"]|proctop\.node|build\/(Release|Debug)/],
];

/** Layers that hold no I/O at all: they do not import the filesystem. */
const PURE_ROOMS = ['actions/', 'fds/', 'store/', 'components/', 'keys/', 'sampler/'];

/** Every violation of `pattern` in `files`, as "file: what". */
function violations(files: readonly string[], rules: readonly (readonly [string, RegExp])[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const text = withoutComments(textOf(file));
    for (const [what, pattern] of rules) if (pattern.test(text)) found.push(`${file}: ${what}`);
  }
  return found;
}

describe('one OS boundary', () => {
  it('no code outside src/sys/ (and storage, config) names a /proc path, spawns, signals, renices or loads the addon', () => {
    expect(outsideOsRooms.length).toBeGreaterThan(50);
    expect(violations(outsideOsRooms, OS_ONLY)).toEqual([]);
  });

  it('the check catches each thing it forbids', () => {
    const samples = [
      "readFile('/proc/1/stat')",
      'import { execFile } from "node:child_process";',
      "process.kill(pid, 'SIGCONT')",
      'setPriority(pid, 5)',
      "import { getPriority } from 'node:os';",
      "import { loadNativeAddon } from '../sys/native-addon.js';",
    ];
    samples.forEach((sample, i) => expect((OS_ONLY[i] as readonly [string, RegExp])[1].test(sample), sample).toBe(true));
    expect(OS_ONLY.some(([, pattern]) => pattern.test("import { hasExited } from './process-tree.js'; collector.setPriority({ pid })"))).toBe(false);
    expect(OS_ONLY.some(([, pattern]) => pattern.test(withoutComments("/** read_bytes of /proc/PID/io */\nconst help = 'reads /proc/PID/smaps_rollup'; // /proc/stat")))).toBe(false);
    expect((OS_ONLY[0] as readonly [string, RegExp])[1].test('const dir = `/proc/${pid}/fd`;')).toBe(true);
    expect((OS_ONLY[0] as readonly [string, RegExp])[1].test("const root = '/proc';")).toBe(true);
    expect(withoutComments("const url = 'http://x'; // note")).toBe("const url = 'http://x'; ");
  });

  it('the layers without I/O do not import the filesystem', () => {
    const pure = FILES.filter((file) => PURE_ROOMS.some((room) => file.startsWith(room)));
    expect(violations(pure, [['imports node:fs', /from\s+['"](node:)?fs(\/promises)?['"]/]])).toEqual([]);
  });
});

/**
 * Relative import specifiers of a file (static, re-exports, dynamic), resolved to files under src/.
 * `loadOrder` keeps only what runs when the module loads: static value imports. Type-only imports
 * are erased by TypeScript, and a dynamic import() runs later, inside a function (the command
 * table's lazy chunks), so neither can make a load-order circle.
 */
function importsOf(file: string, loadOrder = false): string[] {
  const text = withoutComments(textOf(file));
  const specifiers = [...text.matchAll(/(import|export)(\s+type)?\s[^;]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)]
    .filter((m) => !(loadOrder && (m[2] || m[4])))
    .map((m) => (m[3] ?? m[4]) as string);
  const resolved: string[] = [];
  for (const specifier of specifiers) {
    const base = relative(srcRoot, resolve(srcRoot, dirname(file), specifier)).replace(/\.js$/, '');
    const target = [`${base}.ts`, `${base}.tsx`].find((candidate) => FILES.includes(candidate));
    if (target) resolved.push(target);
  }
  return resolved;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

describe('imports', () => {
  const graph = new Map(FILES.map((file) => [file, importsOf(file)]));
  const valueGraph = new Map(FILES.map((file) => [file, importsOf(file, true)]));

  it('resolve: the graph sees the imports it should', () => {
    expect(graph.get('actions/kill-many.ts')).toContain('actions/guards.ts');
    expect(graph.get('cli.tsx')?.length).toBeGreaterThan(0);
    expect(valueGraph.get('actions/kill-many.ts')).not.toContain('sys/types.ts');
  });

  it('form no circles between files', () => {
    expect(importCycles(valueGraph)).toEqual([]);
  });

  it('the cycle finder finds a circle when there is one', () => {
    const circular = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(importCycles(circular)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});

/**
 * The rooms of src/ in layers, lowest first (README, "Layers"). A room is a folder of src/, or a
 * top-level file. Nothing below imports from above: a file imports only from its own room, a room
 * of its own layer, or a lower layer, and rooms never depend on each other in a circle (so two
 * rooms of one layer depend on each other one way at most). Type-only imports and import() count:
 * a type from above is still knowledge of above, and a change there would reach down.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['output', 'util', 'ink-patches'], // text and value helpers: sanitizer, tables, figures, durations, usage errors
  ['sys'], // the OS boundary
  ['storage', 'config'], // proctop's own files and settings (and the column names settings may use)
  ['sampler', 'registry', 'actions', 'fds', 'inspect'], // engines over the collector
  ['store', 'metrics'], // what the engines feed: UI state, Prometheus exposition
  ['keys'], // the key table and the handlers from keys to store actions
  ['components'], // views: Ink components and the text lines they draw
  ['tui'], // the interactive app: sampling loop, controllers, terminal
  ['commands'], // one file per subcommand, and their flag parsing
  ['library', 'index', 'cli', 'cli-run'], // entry points (cli.tsx starts the first read, then loads cli-run.ts)
];

/** "tui/run-interactive.tsx" → "tui"; "cli.tsx" → "cli". */
export function roomOf(file: string): string {
  const slash = file.indexOf('/');
  return slash >= 0 ? file.slice(0, slash) : file.replace(/\.tsx?$/, '');
}

/** Imports that reach a higher layer, as "file -> target (room L -> room M)"; unknown rooms too. */
export function layerViolations(graph: ReadonlyMap<string, readonly string[]>, layers: readonly (readonly string[])[]): string[] {
  const rank = new Map<string, number>();
  layers.forEach((rooms, i) => rooms.forEach((room) => rank.set(room, i)));
  const found: string[] = [];
  for (const [file, targets] of graph) {
    const from = rank.get(roomOf(file));
    if (from === undefined) {
      found.push(`${file}: room ${roomOf(file)} is in no layer`);
      continue;
    }
    for (const target of targets) {
      const to = rank.get(roomOf(target));
      if (to === undefined || to > from) found.push(`${file} -> ${target} (layer ${from} ${roomOf(file)} imports layer ${to ?? '?'} ${roomOf(target)})`);
    }
  }
  return found;
}

/** The room graph of a file graph (edges between different rooms only). */
export function roomGraph(graph: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const rooms = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = roomOf(file);
    const edges = rooms.get(from) ?? new Set<string>();
    rooms.set(from, edges);
    for (const target of targets) if (roomOf(target) !== from) edges.add(roomOf(target));
  }
  return new Map([...rooms].map(([room, edges]) => [room, [...edges].sort()]));
}

/** Imports from outside src/sys/ into a backend's internals: what is above uses the Collector interface. */
export function backendInternalImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const internal = (target: string): boolean => target.startsWith('sys/js/') || target.startsWith('sys/native-');
  const found: string[] = [];
  for (const [file, targets] of graph) {
    if (roomOf(file) === 'sys') continue;
    for (const target of targets) if (internal(target)) found.push(`${file} -> ${target}`);
  }
  return found;
}

describe('layers: nothing below imports from above', () => {
  const graph = new Map(FILES.map((file) => [file, importsOf(file)]));

  it('every room of src/ is in exactly one layer', () => {
    const rooms = [...new Set(FILES.map(roomOf))].sort();
    const listed = LAYERS.flat();
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(rooms);
  });

  it('no file imports from a higher layer (type-only imports and import() included)', () => {
    expect(layerViolations(graph, LAYERS)).toEqual([]);
  });

  it('no two rooms depend on each other, directly or around a circle', () => {
    expect(importCycles(roomGraph(graph))).toEqual([]);
  });

  it('the checks catch a planted violation', () => {
    const planted = new Map([
      ['sys/collector.ts', ['tui/terminal.ts']], // the boundary reaching up into the app
      ['store/cursor.ts', ['sampler/types.ts']], // down: fine
      ['keys/mouse.ts', ['components/table-columns.ts']], // up one layer
    ]);
    expect(layerViolations(planted, LAYERS)).toEqual([
      'sys/collector.ts -> tui/terminal.ts (layer 1 sys imports layer 7 tui)',
      'keys/mouse.ts -> components/table-columns.ts (layer 5 keys imports layer 6 components)',
    ]);
    expect(layerViolations(new Map([['newroom/x.ts', []]]), LAYERS)).toEqual(['newroom/x.ts: room newroom is in no layer']);
    // Two rooms of one layer that import each other: allowed by rank, caught as a circle.
    const sameLayer = new Map([
      ['fds/ports.ts', ['inspect/redact.ts']],
      ['inspect/inspect-sections.ts', ['fds/describe-fd.ts']],
    ]);
    expect(layerViolations(sameLayer, LAYERS)).toEqual([]);
    expect(importCycles(roomGraph(sameLayer))).toEqual([['fds', 'inspect']]);
  });

  it("above src/sys/ only its interface is imported, never a backend's internals (sys/js/, sys/native-*)", () => {
    expect(backendInternalImports(graph)).toEqual([]);
    const planted = new Map([
      ['inspect/inspect-sections.ts', ['sys/js/inspect-parsers.ts', 'sys/inspect-types.ts']],
      ['commands/pstat.ts', ['sys/native-snapshot.ts']],
      ['sys/collector.ts', ['sys/js/collector.ts']], // inside the boundary: fine
    ]);
    expect(backendInternalImports(planted)).toEqual([
      'inspect/inspect-sections.ts -> sys/js/inspect-parsers.ts',
      'commands/pstat.ts -> sys/native-snapshot.ts',
    ]);
  });

  it('counts type-only imports and import() as dependencies', () => {
    expect(graph.get('store/cursor.ts')).toContain('sampler/types.ts'); // `import type` only
    expect(graph.get('commands/command-table.ts')).toContain('commands/monitor.tsx'); // import()
  });
});

/** native/ and native/linux/ C++ files, relative to native/. */
const nativeRoot = join(repoRoot, 'native');
const NATIVE_FILES = readdirSync(nativeRoot, { recursive: true, encoding: 'utf8' })
  .filter((name) => /\.(cc|h)$/.test(name))
  .sort();
/** The one home of file reading and decimal parsing in native code. */
const NATIVE_READ_HELPER = 'linux/proc_read.h';

/** What only proc_read.h may do: other native files call its helpers instead of writing their own. */
const NATIVE_READ_ONLY: readonly (readonly [string, RegExp])[] = [
  ['calls read()/pread() itself (use ReadSmallFileAt / ReadWholeFileAt)', /(^|[^\w.>:])p?read\s*\(/m],
  ['parses a decimal itself (use ParseUnsigned / ParseUnsignedExact)', /\*\s*10\s*\+|\bstrto\w+\s*\([^;]*,\s*10\s*\)|\b(atoi|atol|atoll|sscanf|from_chars)\s*\(|\bstd::sto(i|l|ul|ll|ull)\s*\(/],
  ['defines another readlink helper (use ReadLinkAt)', /\bbool\s+ReadLink\w*\s*\(/],
];

describe('one file reader and one decimal parser in native code', () => {
  it('only native/linux/proc_read.h reads files and parses decimals', () => {
    expect(NATIVE_FILES).toContain(NATIVE_READ_HELPER);
    expect(NATIVE_FILES.length).toBeGreaterThan(10);
    const found: string[] = [];
    for (const file of NATIVE_FILES.filter((name) => name !== NATIVE_READ_HELPER)) {
      const text = withoutComments(readFileSync(join(nativeRoot, file), 'utf8'));
      for (const [what, pattern] of NATIVE_READ_ONLY) if (pattern.test(text)) found.push(`${file}: ${what}`);
    }
    expect(found).toEqual([]);
  });

  it('the check catches a second reader or parser', () => {
    const samples = [
      'ssize_t n = read(fd, buffer, sizeof buffer - 1);',
      'value = value * 10 + (*p - \'0\');',
      'bool ReadLinkAt(int dirFd, const char* name, std::string& out) {',
    ];
    samples.forEach((sample, i) => expect((NATIVE_READ_ONLY[i] as readonly [string, RegExp])[1].test(sample), sample).toBe(true));
    const parser = (NATIVE_READ_ONLY[1] as readonly [string, RegExp])[1];
    expect(parser.test('unsigned long long v = std::strtoull(cursor, &end, 10);')).toBe(true);
    expect(parser.test('std::from_chars(p, end, value);')).toBe(true);
    expect((NATIVE_READ_ONLY[0] as readonly [string, RegExp])[1].test('n = pread(fd, buf, size, 0);')).toBe(true);
    const allowed = 'DIR* d = fdopendir(fd); readdir(d); readlinkat(fd, name, buf, size); ReadSmallFileAt(fd, "stat", buf, n); strtoul(word, nullptr, 16); std::to_chars(b, e, v);';
    expect(NATIVE_READ_ONLY.some(([, pattern]) => pattern.test(allowed))).toBe(false);
  });
});

describe('every native thread starts through StartThread (native/linux/timeslice.h)', () => {
  // A thread inherits its maker's scheduler slice: only the JS thread may have the short one, so
  // every thread the addon starts first takes the default, in one place.
  it('no std::thread is constructed anywhere else, and each file that starts threads calls it', () => {
    const text = (file: string): string => withoutComments(readFileSync(join(nativeRoot, file), 'utf8'));
    for (const file of NATIVE_FILES.filter((name) => name !== join('linux', 'timeslice.h'))) {
      expect(text(file), file).not.toMatch(/std::thread\s*\(|std::thread\s*\{|std::thread\s+\w+\s*\(|emplace_back\(\s*\[/);
    }
    for (const file of ['linux/fd_list.cc', 'linux/pipe_peers.cc', 'linux/net_sockets.cc', 'linux/reader_thread.cc', 'linux/proc_snapshot.h']) {
      expect(text(file), file).toMatch(/StartThread\(/);
    }
  });
});

describe('one native pattern for the fds, files and signal bindings', () => {
  // The snapshot binding keeps its buffers between reads (its own worker, same parts); the others (fds, files, signal)
  // read arguments into a Request struct and queue Run(request) through native/columns.h.
  // terminal_binding.cc answers one isatty() and sched_binding.cc sets the calling thread's own
  // slice: both act on the calling thread and have no work to queue.
  const onCaller = new Set(['snapshot_binding.cc', 'terminal_binding.cc', 'sched_binding.cc']);
  const bindings = NATIVE_FILES.filter((file) => /_binding\.cc$/.test(file) && !onCaller.has(file));
  const text = (file: string): string => withoutComments(readFileSync(join(nativeRoot, file), 'utf8'));

  it('every such binding queues its work through QueueColumns and builds no worker or JSON of its own', () => {
    expect(bindings).toEqual(['fds_binding.cc', 'files_binding.cc', 'signal_binding.cc']);
    for (const file of bindings) {
      expect(text(file), file).toMatch(/proctop_js::QueueColumns\(/);
      expect(text(file), file).not.toMatch(/AsyncWorker|JSON|Napi::Object::New/);
    }
  });

  it('their results are decoded in TypeScript beside the other decoders in src/sys/', () => {
    const addon = withoutComments(textOf('sys/native-addon.ts'));
    for (const method of ['listFds', 'listSocketOwners', 'sendSignal', 'readProcFiles']) expect(addon).toMatch(new RegExp(`${method}\\([^)]*\\): Promise<PackedColumns>`));
    expect(addon).toMatch(/sendSignalSync\([^)]*\): PackedColumns;/);
    expect(textOf('sys/native-fds.ts')).toMatch(/export function unpackFdListing\(packed: PackedColumns\)/);
    expect(textOf('sys/native-fds.ts')).toMatch(/export function unpackSocketOwners\(packed: PackedColumns\)/);
    expect(textOf('sys/native-signal.ts')).toMatch(/export function unpackSignalDelivery\(packed: PackedColumns\)/);
    expect(textOf('sys/native-files.ts')).toMatch(/export function unpackProcFiles\(packed: PackedColumns, /);
  });
});
