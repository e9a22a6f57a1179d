// Starts and stops the benchmark's process farm (bench/farm.c): N idle processes that die with
// the farm, and a farm that dies with this node process, so nothing outlives the bench.
import { spawn } from 'node:child_process';
import { compileC } from './compile.mjs';

/**
 * Starts a farm of `count` idle processes and resolves once they all exist.
 * @returns {Promise<{ pid: number, count: number, stop: () => Promise<void> }>}
 */
export async function startFarm(count, { timeoutMs = 120_000 } = {}) {
  const binary = compileC('farm');
  // Each member execs this (bench/farm.c says why): an address space of its own, no shared C library.
  const member = compileC('farm-member', { static: true });
  const child = spawn(binary, [String(count), member], { stdio: ['pipe', 'pipe', 'inherit'] });
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const stop = async () => {
    if (exited) return;
    // Closing stdin asks the farm to SIGKILL and reap every member, then exit.
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  try {
    await new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`farm of ${count} not ready after ${timeoutMs} ms`)), timeoutMs);
      child.stdout.on('data', (chunk) => {
        output += chunk;
        if (/ready \d+\n/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`farm exited (code ${code}) before all ${count} processes started`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: child.pid, count, stop };
}
