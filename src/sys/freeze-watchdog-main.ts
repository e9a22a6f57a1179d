// The freeze watchdog, a process of its own (dist/freeze-watchdog.js). proctop starts it before
// it stops (SIGSTOP) any process and tells it, one line each, which identities it is about to
// stop ("S pid start") and which it has continued ("C pid start"). If proctop's end of the pipe
// closes without "D" (done) — proctop was SIGKILLed, crashed, or was OOM-killed mid-freeze — the
// watchdog continues every identity still recorded as stopped, then exits. It runs in its own
// session, so a hangup or a signal to proctop's group does not take it down with proctop.
import { readFileSync } from 'node:fs';
import { parseStat } from './js/proc-stat.js';

const stopped = new Map<string, { pid: number; startTime: number }>();
let pending = '';
let finished = false;

/** SIGCONT to every recorded identity that still is the process it was (start time re-read). */
function continueAll(): void {
  for (const { pid, startTime } of stopped.values()) {
    try {
      if (parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.startTime !== startTime) continue;
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone, or not ours any more: nothing to continue
    }
  }
  stopped.clear();
}

function finish(continueMembers: boolean): void {
  if (finished) return;
  finished = true;
  if (continueMembers) continueAll();
  process.exit(0);
}

function handle(line: string): void {
  const [verb, pidText, startText] = line.trim().split(' ');
  if (verb === 'D') return finish(false);
  const pid = Number(pidText);
  const startTime = Number(startText);
  if (!Number.isSafeInteger(pid) || pid <= 0 || !Number.isSafeInteger(startTime)) return;
  if (verb === 'S') stopped.set(`${pid}:${startTime}`, { pid, startTime });
  else if (verb === 'C') stopped.delete(`${pid}:${startTime}`);
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
    handle(pending.slice(0, end));
    pending = pending.slice(end + 1);
  }
});
process.stdin.on('end', () => finish(true));
process.stdin.on('error', () => finish(true));
// Asked to go away (shutdown): never leave anything frozen on the way.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => finish(true));
