// The traced side of bench/sched-trace.mjs: takes snapshots with the bundled library (a fresh
// reader each round, or one steady reader) while a 1 ms timer watches the event loop, and writes
// each round's longest gap (CLOCK_MONOTONIC microseconds, the clock `perf record -k
// CLOCK_MONOTONIC` stamps with), and what the JS thread did in it by its schedstat, as JSON to the
// file named by argv[2].
// Usage: node --expose-gc sched-trace-child.mjs OUT LIB ROUNDS first|steady
import { openSync, readdirSync, readSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';

const [out, libPath, roundsText, mode] = process.argv.slice(2);
const lib = await import(libPath);
// As the CLI's monitor does (bench/snapshot.mjs explains the order: libuv's pool first).
await stat('/proc');
lib.preferShortTimeslice();

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
/**
 * The JS thread's time on a CPU and runnable waiting for one (µs), by the kernel's own count
 * (/proc/self/task/TID/schedstat through a kept handle); null where the kernel keeps none. It holds
 * where the trace misses switches.
 */
const schedstat = (() => {
  let fd;
  try {
    fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
  } catch {
    return () => null;
  }
  const buffer = Buffer.alloc(128);
  return () => {
    const [runNs, waitNs] = buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0)).split(' ').map(Number);
    return { runUs: runNs / 1000, waitUs: waitNs / 1000 };
  };
})();
const fdsAtStart = readdirSync('/proc/self/fd').length;
/** A full GC, and the handles of collected readers closed (their closes run on a thread of their own), at most 5 s. */
async function settle() {
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 30));
  let before = readdirSync('/proc/self/fd').length;
  for (let waited = 0; waited < 5000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = readdirSync('/proc/self/fd').length;
    if (now <= fdsAtStart + 64 && now >= before) break;
    before = now;
  }
}

const steady = mode === 'steady' ? lib.createNativeCollector('/proc') : null;
if (steady) for (let i = 0; i < 3; i++) await steady.snapshot();
const rounds = [];
for (let round = 0; round < Number(roundsText); round++) {
  await settle();
  let last = nowUs();
  let lastSched = schedstat();
  let gap = { us: 0, from: 0, to: 0, runUs: undefined, waitUs: undefined };
  const timer = setInterval(() => {
    const now = nowUs();
    const sched = schedstat();
    if (now - last > gap.us) gap = { us: now - last, from: last, to: now, runUs: sched && sched.runUs - lastSched.runUs, waitUs: sched && sched.waitUs - lastSched.waitUs };
    last = now;
    lastSched = sched;
  }, 1);
  const start = nowUs();
  const snapshot = await (steady ?? lib.createNativeCollector('/proc')).snapshot();
  const end = nowUs();
  clearInterval(timer);
  rounds.push({ round, processes: snapshot.processes.length, startUs: start, endUs: end, gapFromUs: gap.from, gapToUs: gap.to, gapRunUs: gap.runUs ?? undefined, gapWaitUs: gap.waitUs ?? undefined });
}
writeFileSync(out, JSON.stringify({ pid: process.pid, rounds }));
