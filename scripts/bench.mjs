// `npm run bench [-- --procs N] [--runs R] [--only snapshot|tui|launch|fds|rss|metrics|inspect|track[,...]]`: starts a farm of N idle
// processes, measures the snapshot readers side by side (bench/snapshot.mjs), then runs the other
// sections that exist (bench/tui.mjs, bench/launch.mjs, bench/fds.mjs, bench/track.mjs) on the same farm, each under a time limit,
// ends with one table of every target figure (bench/summary.mjs) and always takes the farm down again.
// `npm run bench -- --soak MINUTES [--procs N]`: only the memory soak (bench/soak.mjs), in a PID
// namespace of its own where the machine allows one (see ownPidNamespace below).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startFarm } from '../bench/farm.mjs';
import { bundleLibrary } from '../bench/bundle.mjs';
import { run as runSnapshotSection } from '../bench/snapshot.mjs';
import { checkCapacity, raiseNofileLimit } from '../bench/machine.mjs';
import { summaryTable } from '../bench/summary.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

const SECTIONS = ['snapshot', 'tui', 'launch', 'fds', 'rss', 'metrics', 'inspect', 'track'];
/** A section that has not finished by then is reported as timed out; the others still run. */
const SECTION_TIMEOUT_MS = 10 * 60_000;

function usage(message) {
  console.error(`proctop bench: ${message}\nusage: npm run bench -- [--procs N] [--runs R] [--only ${SECTIONS.join('|')}[,...]] | --soak MINUTES [--procs N]`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { procs: 1000, runs: 15, only: null, soak: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (flag === '--only') {
      // One section, or several joined by commas (the closing table wants snapshot,tui together).
      const names = (value ?? '').split(',');
      if (names.some((name) => !SECTIONS.includes(name))) usage(`--only takes sections among ${SECTIONS.join(', ')} (comma-separated), got "${value ?? ''}"`);
      options.only = names;
      continue;
    }
    if (flag !== '--procs' && flag !== '--runs' && flag !== '--soak') usage(`unknown argument "${flag}"`);
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1) usage(`${flag} must be a positive integer, got "${value ?? ''}"`);
    options[flag.slice(2)] = Number(value);
  }
  return options;
}

/** Resolves with the section's text, or rejects when it takes longer than SECTION_TIMEOUT_MS. */
function withTimeout(name, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`section ${name} did not finish within ${SECTION_TIMEOUT_MS / 60_000} min`)), SECTION_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Set in the child that runs inside the soak's own PID namespace. */
const IN_NAMESPACE = 'PROCTOP_BENCH_PID_NAMESPACE';

/**
 * The soak judges RSS flat within 5 MB over 30 minutes, and what proctop holds follows how many
 * processes it shows: on a shared machine other people's builds and tests move that count by
 * hundreds from one minute to the next. So the soak runs in a new PID namespace with its own /proc
 * (`unshare --pid --fork --mount-proc`, root or an unprivileged user namespace), where proctop
 * sees exactly the farm, tmux and itself for the whole run. Returns the child's exit status, or
 * null when no namespace can be made here (the soak then runs on the host's process table and
 * says so).
 */
function ownPidNamespace(argv) {
  const userNs = process.geteuid?.() === 0 ? [] : ['--user', '--map-root-user'];
  const probe = spawnSync('unshare', [...userNs, '--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore', timeout: 10_000 });
  if (probe.status !== 0) return null;
  const child = spawnSync('unshare', [...userNs, '--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, fileURLToPath(import.meta.url), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, [IN_NAMESPACE]: '1' },
  });
  return child.status ?? 1;
}

const options = parseArgs(process.argv.slice(2));
if (options.soak !== null && process.env[IN_NAMESPACE] !== '1') {
  const status = ownPidNamespace(process.argv.slice(2));
  if (status !== null) process.exit(status);
  console.log('proctop bench: no PID namespace can be made here (needs root or unprivileged user namespaces): the soak runs on the host, and other activity changes how many processes proctop shows');
}
if (process.env[IN_NAMESPACE] === '1') console.log('proctop bench: the soak runs in a PID namespace of its own: proctop sees the farm, tmux and itself only');
// The readers under test keep fds (pidusage one per pid), and the farm's children inherit the limit.
const nofile = raiseNofileLimit(options.procs);
const capacity = checkCapacity(options.procs);
console.log(`proctop bench: ${capacity.line}`);
if (nofile.note) console.log(`proctop bench: ${nofile.note}`);
if (capacity.problems.length > 0) {
  for (const problem of capacity.problems) console.error(`proctop bench: ${problem}`);
  process.exit(1);
}
const { lib } = await bundleLibrary();

let farm = null;
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await farm?.stop();
  process.exit(code);
}
// Ctrl-C, kill: take the farm down first (its members also die with the farm via PDEATHSIG).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(130));

let failed = false;
try {
  console.log(`proctop bench: starting a farm of ${options.procs} processes...`);
  farm = await startFarm(options.procs);
  if (options.soak !== null) {
    const { runSoak } = await import('../bench/soak.mjs');
    const soak = await runSoak({ procs: options.procs, minutes: options.soak });
    console.log(`\n${soak.text}\n\n${summaryTable({ procs: options.procs, soak: soak.figures })}`);
    await shutdown(0);
  }
  /** Figures by section, for the closing table. */
  const figures = {};
  if (options.only === null || options.only.includes('snapshot')) {
    const snapshot = await runSnapshotSection({ procs: options.procs, runs: options.runs, lib });
    figures.snapshot = snapshot.figures;
    console.log(`\n${snapshot.text}`);
  }
  for (const section of SECTIONS.slice(1)) {
    const path = join(root, 'bench', `${section}.mjs`);
    if ((options.only !== null && !options.only.includes(section)) || !existsSync(path)) continue;
    try {
      const module = await import(pathToFileURL(path).href);
      const result = await withTimeout(section, module.run({ procs: options.procs, runs: options.runs, lib }));
      // A section returns its text, or { text, figures } when the closing table uses its figures.
      if (typeof result === 'string') console.log(`\n${result}`);
      else {
        figures[section] = result.figures;
        console.log(`\n${result.text}`);
      }
    } catch (error) {
      failed = true;
      console.error(`\nbench section ${section} failed: ${error?.stack ?? error}`);
    }
  }
  console.log(`\n${summaryTable({ procs: options.procs, ...figures })}`);
} catch (error) {
  failed = true;
  console.error(`proctop bench: ${error?.stack ?? error}`);
} finally {
  await shutdown(failed ? 1 : 0);
}
