// Starts the Python fixtures that hold one of each kind of fd (test/fixtures/fds-holder.py) or
// thousands of them (many-fds-holder.py), and waits for their "ready" line.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild } from './children.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** What fds-holder.py opened, by fd number (see the script). */
export interface HeldFds {
  readonly pid: number;
  readonly named: { readonly fd: number; readonly path: string };
  readonly reader: number;
  readonly odd: { readonly fd: number; readonly path: string };
  readonly deleted: { readonly fd: number; readonly path: string };
  /** A file whose name holds non-ASCII characters, spaces and a newline. */
  readonly unicode: { readonly fd: number; readonly path: string };
  readonly memfd: number;
  readonly eventfd: number;
  readonly pipe: { readonly fd: number; readonly peerPid: number };
  readonly listener: { readonly fd: number; readonly port: number };
  readonly client: { readonly fd: number; readonly port: number };
  readonly serverSide: number;
  readonly udp: { readonly fd: number; readonly port: number };
  readonly unix: { readonly fd: number; readonly path: string };
  /** A unix datagram socket bound to a non-ASCII path. */
  readonly unixUnicode: { readonly fd: number; readonly path: string };
  readonly abstract: { readonly fd: number; readonly name: string };
  readonly tcp6: { readonly fd: number; readonly port: number } | null;
}

function waitForReady(child: ChildProcess, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`fixture not ready after ${timeoutMs} ms: ${output}`)), timeoutMs);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      if (/^ready$/m.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture exited (${code}) before ready: ${output}`));
    });
  });
}

/** Starts fds-holder.py in a fresh temp dir; the child is tracked for killStartedChildren(). */
export async function startFdsHolder(): Promise<{ child: ChildProcess; held: HeldFds; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'proctop-fds-'));
  const child = startChild('python3', [join(FIXTURES, 'fds-holder.py'), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const output = await waitForReady(child);
  const held = JSON.parse(output.split('\n')[0] ?? '{}') as HeldFds;
  return { child, held, dir };
}

/** Starts many-fds-holder.py holding count fds of mixed kinds. */
export async function startManyFdsHolder(count: number): Promise<ChildProcess> {
  const child = startChild('python3', [join(FIXTURES, 'many-fds-holder.py'), String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await waitForReady(child, 60_000);
  return child;
}

/**
 * Runs a Python socket holder in a new network namespace (`unshare -n`, needs CAP_SYS_ADMIN) and
 * returns the numbers of the first line it prints (the script decides which: pid, fd, port...).
 */
export async function startInNewNetns(pythonScript: string): Promise<number[]> {
  const child = startChild('unshare', ['-n', 'python3', '-c', `${pythonScript}\nsys.stdin.read()`], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(output);
    });
    child.once('exit', (code) => reject(new Error(`unshare -n exited ${code} (needs CAP_SYS_ADMIN)`)));
  });
  return line.trim().split(' ').map(Number);
}
