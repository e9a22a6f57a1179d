// The bench's scheduling-group reader (bench/group-reader.mjs): run as a child, it reads first
// snapshots until its stdin closes, says when it starts, and reports how many it read (and how many
// processes they listed); its loop, called directly, stops when told.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a bench module (plain .mjs) without type declarations
import { readFirstSnapshots } from '../bench/group-reader.mjs';

const READER = fileURLToPath(new URL('../bench/group-reader.mjs', import.meta.url));
const LIBRARY = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('bench group reader', () => {
  it('reads until stdin closes, then reports how many snapshots (and processes) it read and exits 0', async () => {
    const child = spawn(process.execPath, [READER, LIBRARY, '/proc'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (errors += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let waited = 0; !output.includes('reading\n') && waited < 10_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(output).toBe('reading\n');
    await new Promise((r) => setTimeout(r, 200));
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(errors).toBe('');
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(2);
    const [count, processes] = (lines[1] as string).split(' ').map(Number);
    expect(count).toBeGreaterThanOrEqual(1);
    // Each snapshot lists this test's own process at least.
    expect(processes).toBeGreaterThanOrEqual(count as number);
  }, 20_000);

  it('reads fresh collectors in-process until stop() says so', async () => {
    let made = 0;
    const lib = { createNativeCollector: () => ({ snapshot: async () => ({ processes: new Array(++made) }) }) };
    expect(await readFirstSnapshots(lib, '/proc', () => made >= 3)).toEqual({ count: 3, processes: 1 + 2 + 3 });
    expect(made).toBe(3);
  });

  it('fails with the reason when the native addon is unavailable', async () => {
    const lib = { createNativeCollector: () => 'no addon here' };
    await expect(readFirstSnapshots(lib, '/proc', () => false)).rejects.toThrow('native addon unavailable: no addon here');
  });
});
