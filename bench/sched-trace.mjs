// `npm run bench:sched -- [--procs N] [--rounds R] [--steady]`: who held the CPUs while the
// event loop stalled. Starts a farm of N idle processes (default 20,000), then takes R snapshots
// (default 15; a fresh reader each, or one steady reader with --steady) under
// `perf record -e sched:sched_switch -a`, and for each round's longest gap of a 1 ms timer prints
// how long every task ran on the machine's CPUs inside it: the JS thread, this process's other
// threads (the reader, V8's workers), and other processes by name (kernel threads included,
// which a PID namespace would hide from the bench's own schedstat split). Needs perf and the
// scheduler's tracepoints (root, tracefs); bundles the library into bench/bin as `npm run bench` does.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleLibrary } from './bundle.mjs';
import { startFarm } from './farm.mjs';

const here = dirname(fileURLToPath(import.meta.url));
/** Another process's CPU time in a gap below which the gap counts as this process's own doing. */
const OTHERS_NEGLIGIBLE_US = 500;

function fail(message) {
  console.error(`sched-trace: ${message}`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { procs: 20000, rounds: 15, steady: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--steady') {
      options.steady = true;
      continue;
    }
    const value = argv[++i];
    if (flag !== '--procs' && flag !== '--rounds') fail(`unknown argument "${flag}" (usage: [--procs N] [--rounds R] [--steady])`);
    if (value === undefined || !/^\d+$/.test(value) || (flag === '--rounds' && Number(value) < 1)) fail(`${flag} takes a ${flag === '--rounds' ? 'positive ' : ''}whole number, got "${value ?? ''}"`);
    options[flag.slice(2)] = Number(value);
  }
  return options;
}

/**
 * Parses `perf script` lines of sched_switch events into on-CPU intervals:
 * { cpu, fromUs, toUs, tid, comm } (the task switched out ran from the previous switch on its CPU;
 * the tasks on the CPUs when the trace ended, until its last event).
 * Some switches are never recorded: on a VM here, none out of the VM agent's `tokio-rt-worker`
 * threads (nice -10), so a CPU goes from one to the next task with no event between. Where the
 * task switched out is not the one switched in last, the interval is { tid: -1, comm: 'A then B' }:
 * one of the two held the CPU, and the trace cannot say how long each.
 * Also returns the tids seen running as part of process `pid`.
 */
export function onCpuIntervals(text, pid) {
  const intervals = [];
  const running = new Map();
  const ours = new Set([pid]);
  let lastUs = 0;
  const line = /^\s*(\d+)\/(\d+)\s+\[(\d+)\]\s+(\d+\.\d+):\s+sched:sched_switch:\s+prev_comm=(.*?) prev_pid=(\d+) .*?==> next_comm=(.*?) next_pid=(\d+)/;
  for (const row of text.split('\n')) {
    const m = line.exec(row);
    if (!m) continue;
    const [, ownerPid, , cpuText, seconds, prevComm, prevTid, nextComm, nextTid] = m;
    const cpu = Number(cpuText);
    const atUs = Math.round(Number(seconds) * 1e6);
    if (Number(ownerPid) === pid) ours.add(Number(prevTid));
    const current = running.get(cpu);
    if (current && current.tid !== Number(prevTid)) intervals.push({ cpu, fromUs: current.sinceUs, toUs: atUs, tid: -1, comm: `${current.comm} then ${prevComm}` });
    else if (current) intervals.push({ cpu, fromUs: current.sinceUs, toUs: atUs, tid: Number(prevTid), comm: prevComm });
    running.set(cpu, { sinceUs: atUs, tid: Number(nextTid), comm: nextComm });
    lastUs = atUs;
  }
  // Whoever was on a CPU when the trace ended ran until then.
  for (const [cpu, current] of running) intervals.push({ cpu, fromUs: current.sinceUs, toUs: lastUs, tid: current.tid, comm: current.comm });
  return { intervals, ours };
}

/**
 * Microseconds each task ran inside [fromUs, toUs], by label: JS thread, this process's threads by
 * name, other processes by name, idle, and `untraced: A then B` where a switch was not recorded.
 */
export function heldInGap(intervals, ours, pid, fromUs, toUs) {
  const held = new Map();
  for (const span of intervals) {
    const us = Math.min(span.toUs, toUs) - Math.max(span.fromUs, fromUs);
    if (us <= 0) continue;
    const label =
      span.tid === -1 ? `untraced: ${span.comm}` : span.tid === 0 ? 'idle' : span.tid === pid ? 'JS thread' : ours.has(span.tid) ? `ours: ${span.comm}` : span.comm;
    held.set(label, (held.get(label) ?? 0) + us);
  }
  return held;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (spawnSync('perf', ['--version'], { stdio: 'ignore' }).status !== 0) fail('perf is not installed (Debian: apt-get install linux-perf)');
  const { lib: proctop, path: lib } = await bundleLibrary();
  const work = mkdtempSync(join(tmpdir(), 'proctop-sched-'));
  const farm = options.procs > 0 ? await startFarm(options.procs) : null;
  try {
    const out = join(work, 'rounds.json');
    const data = join(work, 'perf.data');
    const record = spawnSync(
      'perf',
      ['record', '-q', '-k', 'CLOCK_MONOTONIC', '-e', 'sched:sched_switch', '-a', '-o', data, '--', process.execPath, '--expose-gc', join(here, 'sched-trace-child.mjs'), out, pathToFileURL(lib).href, String(options.rounds), options.steady ? 'steady' : 'first'],
      { encoding: 'utf8', timeout: 15 * 60_000 },
    );
    if (record.status !== 0 || !existsSync(out)) fail(`perf record failed (root and tracefs needed for sched:sched_switch): ${(record.stderr || '').trim().split('\n').at(-1) ?? ''}`);
    const script = spawnSync('perf', ['script', '-i', data, '-F', 'pid,tid,cpu,time,event,trace'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (script.status !== 0) fail(`perf script failed: ${script.stderr.trim().split('\n').at(-1)}`);
    const { pid, rounds } = JSON.parse(readFileSync(out, 'utf8'));
    const { intervals, ours } = onCpuIntervals(script.stdout, pid);
    // Task names are other users' text: shown through proctop's sanitizer, as proctop shows them.
    const { sanitizeText } = proctop;
    console.log(
      `${options.steady ? 'Steady refreshes' : 'First snapshots (a fresh reader each)'} of ${rounds[0]?.processes ?? 0} processes, ${rounds.length} rounds; each round's longest gap of a 1 ms timer, ` +
        "what the JS thread did in it by the kernel's own count (/proc/self/task/TID/schedstat: ran, waited for a CPU, the rest asleep), " +
        'and the time (ms) each task ran on the CPUs inside it by the trace:',
    );
    let ownLongest = 0;
    let longest = 0;
    let untraced = false;
    for (const round of rounds) {
      const gapUs = round.gapToUs - round.gapFromUs;
      const held = heldInGap(intervals, ours, pid, round.gapFromUs, round.gapToUs);
      const othersUs = [...held].filter(([label]) => label !== 'idle' && label !== 'JS thread' && !label.startsWith('ours: ')).reduce((sum, [, us]) => sum + us, 0);
      untraced ||= [...held.keys()].some((label) => label.startsWith('untraced: '));
      longest = Math.max(longest, gapUs);
      if (othersUs < OTHERS_NEGLIGIBLE_US) ownLongest = Math.max(ownLongest, gapUs);
      const parts = [...held].sort((a, b) => b[1] - a[1]).map(([label, us]) => `${sanitizeText(label)} ${(us / 1000).toFixed(1)}`);
      const kernel = round.gapRunUs === undefined ? '' : `JS thread ran ${(round.gapRunUs / 1000).toFixed(1)}, waited ${(round.gapWaitUs / 1000).toFixed(1)}; `;
      console.log(`  round ${round.round}: gap ${(gapUs / 1000).toFixed(1)} ms, ${((round.gapFromUs - round.startUs) / 1000).toFixed(0)} ms into the ${((round.endUs - round.startUs) / 1000).toFixed(0)} ms run: ${kernel}${parts.join(', ')}`);
    }
    console.log(
      `Longest gap: ${(longest / 1000).toFixed(1)} ms. Longest gap in which other processes ran under ${OTHERS_NEGLIGIBLE_US / 1000} ms (a stall of this process's own making): ${(ownLongest / 1000).toFixed(1)} ms.`,
    );
    if (untraced) {
      console.log(
        "'untraced: A then B': the trace has no switch between A and B on that CPU (here, none out of tasks whose context records no event, as a VM agent's can be): one of them held it, and the gap counts as not of this process's own making. The schedstat figures hold regardless.",
      );
    }
  } finally {
    await farm?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
