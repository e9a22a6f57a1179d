// The esbuild options every bundle of proctop shares: the shipped CLI (scripts/build.mjs) and the
// copies `npm run bench` measures (bench/tui.mjs), so the benchmark runs what users run.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { inkPatches } from './ink-patches-plugin.mjs';
import { lazyInit } from './lazy-init-plugin.mjs';

export const BUNDLE_OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies that use __filename (write-file-atomic names its temp files with it) get
  // the bundle file's own path, which the banner defines: ESM has no __filename.
  define: { 'process.env.NODE_ENV': '"production"', __filename: '__proctopFilename' },
  // Ink loads react-devtools-core only when DEV is set; keep it out of the bundle.
  external: ['react-devtools-core'],
  banner: {
    js: "import { createRequire as __proctopCreateRequire } from 'node:module'; import { fileURLToPath as __proctopFileURLToPath } from 'node:url'; const require = __proctopCreateRequire(import.meta.url); const __proctopFilename = __proctopFileURLToPath(import.meta.url);",
  },
  plugins: [inkPatches(), lazyInit()],
  // Whitespace and syntax minified, names kept (stack traces still name every function): V8
  // parses a quarter less source at start. Launch → first full frame at 1,000 processes, 15 runs
  // each, one session: 195 → 186 ms median (the UI modules load in 44 ms instead of 51, which
  // leaves time to warm the first render up before the second read).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};

/**
 * The first two lines of the shipped `dist/cli.js`: a file that is both a shell script and an ES
 * module. Run as a program (the npm bin link), /bin/sh starts node with the malloc settings below;
 * `node dist/cli.js` reads the same lines as a string statement and a comment.
 * Two malloc arenas instead of one per thread keep the addon's worker threads from holding ~30 MB
 * at 20,000 processes; a 64 KB trim threshold hands freed malloc memory (V8's compiler zones)
 * back instead of keeping ~10 MB. Each variable is set only when the user has not set it, and
 * proctop removes the ones it set at start (PROCTOP_LAUNCHER_ENV, src/util/launcher-env.ts), so
 * the programs `proctop track run` starts never inherit them.
 * Node gets no V8 flag: any V8 flag away from its default changes V8's flag hash, and V8 then
 * rejects the code cache Node ships for its own modules (the ES module loader, tty, net, streams...),
 * so each is compiled from source as it loads. With `--max-semi-space-size=2` here, requiring five
 * of them took 19-24 ms instead of 6-8, and launch → first full frame was ~25 ms later. The small
 * heap it bought comes from preferSmallHeap (src/util/v8-tiering.ts) at run time, once the first
 * screen is drawn.
 */
export const LAUNCHER_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '65536', MALLOC_TOP_PAD_: '0' };
/**
 * Where the launcher keeps the user's NODE_EXTRA_CA_CERTS while proctop's own node starts without
 * it. Node 20 reads and parses that file, and with it the whole root store, before it runs any
 * JavaScript: with /etc/ssl/certs/ca-certificates.crt (~150 certificates, set in many CI and
 * corporate shells) `node -e 0` took 90-110 ms of CPU on a 2-CPU VM instead of 20-30 ms, and
 * launch → first full frame 353 → 281 ms (median of ten launches each). proctop makes no TLS
 * connection, so the certificates are never used; proctop puts the variable back at start
 * (restoreLauncherEnv, src/util/launcher-env.ts), so the programs it starts inherit it.
 */
export const LAUNCHER_KEPT_CA_CERTS = 'PROCTOP_NODE_EXTRA_CA_CERTS';
export const LAUNCHER_HEADER =
  '#!/bin/sh\n' +
  `':' //; e=; for v in ${Object.entries(LAUNCHER_ENV).map(([name, value]) => `${name}=${value}`).join(' ')}; do n=\${v%%=*}; eval "[ -n \\"\\\${$n+set}\\" ]" || { export "$v"; e="$e\${e:+,}$n"; }; done; ` +
  `[ -z "$e" ] || export PROCTOP_LAUNCHER_ENV="$e"; ` +
  `[ -z "\${NODE_EXTRA_CA_CERTS+set}" ] || { export ${LAUNCHER_KEPT_CA_CERTS}="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }; ` +
  'exec node "$0" "$@"\n';

/** Puts the launcher header in place of the bundle's `#!/usr/bin/env node` line and makes the file executable. */
export function writeLauncher(file) {
  const text = readFileSync(file, 'utf8');
  const body = text.startsWith('#!') ? text.slice(text.indexOf('\n') + 1) : text;
  writeFileSync(file, LAUNCHER_HEADER + body);
  chmodSync(file, 0o755);
}
