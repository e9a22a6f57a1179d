import { afterEach, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../src/sys/native-addon.js';
import { unpackSignalDelivery } from '../src/sys/native-signal.js';
import { signalJs } from '../src/sys/js/signal.js';
import type { ProcessIdentity, SignalDelivery } from '../src/sys/types.js';
import { listSignals, parseSignal, signalName } from '../src/actions/signals.js';
import { isAlive, killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { startTimeOf } from './helpers/cli.js';

type Send = (target: ProcessIdentity, signal: number) => Promise<SignalDelivery>;

// Never skipped: without the addon the native half fails, saying why (as the contract suite does).
const load = loadNativeAddon();
function nativeAddon(): NonNullable<typeof load.addon> {
  if (!load.addon) throw new Error(`native backend unavailable: ${load.error}`);
  return load.addon;
}
const backends: [string, Send][] = [
  ['native', async (t, s) => unpackSignalDelivery(await nativeAddon().sendSignal('/proc', t.pid, t.startTime, s))],
  // Exit handlers' path: the same pidfd-checked delivery on the calling thread.
  ['native sync', async (t, s) => unpackSignalDelivery(nativeAddon().sendSignalSync('/proc', t.pid, t.startTime, s))],
  ['js', (t, s) => signalJs('/proc', t, s)],
];

afterEach(killStartedChildren);

function sleeper(): { pid: number; startTime: number; exited: Promise<NodeJS.Signals | null> } {
  const child = startChild('sleep', ['300'], { detached: true });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
  return { pid: child.pid!, startTime: startTimeOf(child.pid!), exited };
}

describe.each(backends)('identity-checked signal (%s backend)', (name, send) => {
  it('sends to the exact identity and the process dies of it', async () => {
    const s = sleeper();
    const delivery = await send({ pid: s.pid, startTime: s.startTime }, 15);
    expect(delivery.outcome).toBe('sent');
    expect(delivery.error).toBeNull();
    expect(delivery.viaPidfd).toBe(name !== 'js');
    expect(await s.exited).toBe('SIGTERM');
  });

  it('refuses a stale start time as reused and leaves the process untouched', async () => {
    const s = sleeper();
    const delivery = await send({ pid: s.pid, startTime: s.startTime - 1 }, 9);
    expect(delivery.outcome).toBe('reused');
    expect(delivery.error).toContain(String(s.startTime));
    await new Promise((r) => setTimeout(r, 200));
    expect(await isAlive(s.pid)).toBe(true);
  });

  it('reports a process that already exited', async () => {
    const s = sleeper();
    process.kill(s.pid, 'SIGKILL');
    await s.exited;
    await waitFor(async () => !(await isAlive(s.pid)));
    const delivery = await send({ pid: s.pid, startTime: s.startTime }, 0);
    expect(delivery.outcome).toBe('exited');
  });

  it('probes with signal 0 without harming the target', async () => {
    const s = sleeper();
    expect((await send({ pid: s.pid, startTime: s.startTime }, 0)).outcome).toBe('sent');
    expect(await isAlive(s.pid)).toBe(true);
  });

  it('says when check-then-kill was used', async () => {
    const s = sleeper();
    const delivery = await send({ pid: s.pid, startTime: s.startTime }, 0);
    if (name === 'js') expect(delivery.warnings.join(' ')).toMatch(/check-then-kill/);
    else expect(delivery.warnings).toEqual([]);
  });
});

describe('native pidfd fallback', () => {
  afterEach(() => {
    delete process.env.PROCTOP_NO_PIDFD;
  });

  it('falls back to check-then-kill with a warning when pidfds are disabled, still checking identity', async () => {
    process.env.PROCTOP_NO_PIDFD = '1';
    const s = sleeper();
    const stale = unpackSignalDelivery(await nativeAddon().sendSignal('/proc', s.pid, s.startTime + 1, 9));
    expect(stale.outcome).toBe('reused');
    expect(stale.viaPidfd).toBe(false);
    expect(await isAlive(s.pid)).toBe(true);
    const sent = unpackSignalDelivery(await nativeAddon().sendSignal('/proc', s.pid, s.startTime, 15));
    expect(sent).toMatchObject({ outcome: 'sent', viaPidfd: false });
    expect(sent.warnings.join(' ')).toMatch(/pidfd unavailable \(PROCTOP_NO_PIDFD is set\).*check-then-kill/);
    expect(await s.exited).toBe('SIGTERM');
  });

  it('rejects arguments that are not a pid, start time and signal', async () => {
    expect(() => nativeAddon().sendSignal('/proc', -5, 0, 0)).toThrow(/pid must be a positive integer/);
    expect(() => nativeAddon().sendSignal('/proc', 10, 0, 99)).toThrow(/signal must be an integer 0..64/);
    expect(() => nativeAddon().sendSignal('/proc', 1.5, 0, 0)).toThrow(/pid/);
    expect(() => nativeAddon().sendSignalSync('/proc', -5, 0, 0)).toThrow(/sendSignalSync: pid must be a positive integer/);
    expect(() => nativeAddon().sendSignalSync('/proc', 10, -1, 0)).toThrow(/startTime must be a non-negative integer/);
  });
});

describe('signal names', () => {
  it('accepts TERM, SIGTERM, term, sigterm and 15 alike', () => {
    for (const text of ['TERM', 'SIGTERM', 'term', 'sigterm', '15', ' 15 ']) expect(parseSignal(text)).toBe(15);
    expect(parseSignal('KILL')).toBe(9);
    expect(parseSignal('hup')).toBe(1);
    expect(parseSignal('0')).toBe(0);
    expect(parseSignal('iot')).toBe(6);
    expect(parseSignal('40')).toBe(40);
  });

  it('refuses unknown names and out-of-range numbers', () => {
    for (const text of ['TERMINATE', 'SIG', '', '65', '-9', '9.5', 'SIGFOO', '1e1']) expect(parseSignal(text)).toBeNull();
  });

  it('lists each signal once, in number order, with names that parse back', () => {
    const list = listSignals();
    const numbers = list.map((s) => s.number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(list.find((s) => s.name === 'TERM')?.number).toBe(15);
    for (const s of list) expect(parseSignal(s.name)).toBe(s.number);
    expect(signalName(15)).toBe('SIGTERM');
    expect(signalName(40)).toBe('SIG40');
  });
});
