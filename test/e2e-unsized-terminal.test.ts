// A terminal that reports no size (0×0: a serial console, a pty nobody sized). `script` run with
// no terminal of its own gives the monitor such a pty. Ink asks the terminal-size package for the
// width on every render while stdout.columns is 0, and that package opens /dev/tty and never
// closes it: before the fix, proctop --watch held 44 descriptors on its pty after 4 s.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { sizeUnsizedTerminal } from '../src/tui/terminal.js';
import { killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { builtCliPath } from './helpers/cli.js';

/** Descendants of pid (by /proc/PID/task/TID/children), depth first. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let children: number[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').split(' ').filter(Boolean).map(Number);
    } catch {
      continue;
    }
    for (const child of children) found.push(child, ...descendants(child));
  }
  return found;
}

/** Descriptors of pid open on a terminal. */
function terminalDescriptors(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (/^\/dev\/(pts\/\d+|tty)$/.test(readlinkSync(`/proc/${pid}/fd/${fd}`))) count++;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

describe('a terminal that reports no size', () => {
  afterEach(() => killStartedChildren());

  it('sizes it 80×24 and leaves sized terminals and non-terminals alone', () => {
    const unsized = { isTTY: true, columns: 0, rows: 0 };
    expect(sizeUnsizedTerminal(unsized)).toBe(true);
    expect(unsized).toEqual({ isTTY: true, columns: 80, rows: 24 });
    const sized = { isTTY: true, columns: 132, rows: 50 };
    expect(sizeUnsizedTerminal(sized)).toBe(false);
    expect(sized).toEqual({ isTTY: true, columns: 132, rows: 50 });
    const pipe: { isTTY?: boolean; columns?: number } = {};
    expect(sizeUnsizedTerminal(pipe)).toBe(false);
    expect(pipe.columns).toBeUndefined();
  });

  it('proctop --watch on it opens no descriptor per refresh', async () => {
    const cli = await builtCliPath();
    // `script` with stdin not a terminal gives the command a 0×0 pty.
    const script = startChild('script', ['-qfec', `${process.execPath} ${cli} --watch --interval 250ms`, '/dev/null'], { stdio: 'ignore' });
    const monitor = await waitFor(() => descendants(script.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('--watch')) ?? null);
    // Twelve refreshes or more.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const early = terminalDescriptors(monitor);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const late = terminalDescriptors(monitor);
    // stdin, stdout, stderr and Node's own handles on them; none more as refreshes go by.
    expect(late).toBeLessThanOrEqual(8);
    expect(late).toBe(early);
  });
});
