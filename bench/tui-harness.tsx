// Measurements for bench/tui.mjs (bundled there with esbuild): the real MonitorApp rendered by
// Ink into an in-memory TTY, timed from a keypress (or a new frame) to the next write.
import React from 'react';
import { EventEmitter } from 'node:events';
import { render } from 'ink';
import { MonitorApp } from '../src/components/MonitorApp.js';
import { createMonitorStore } from '../src/store/monitor-store.js';
import { syntheticFrame, syntheticPopulation } from '../test/helpers/synthetic-frames.js';

/** An in-memory terminal: records when the next write lands. */
class MemoryTerminal extends EventEmitter {
  readonly isTTY = true;
  columns: number;
  rows: number;
  bytes = 0;
  private waiter: ((at: number) => void) | null = null;
  constructor(columns: number, rows: number) {
    super();
    this.columns = columns;
    this.rows = rows;
  }
  write = (chunk: string): boolean => {
    this.bytes += chunk.length;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(performance.now());
    return true;
  };
  nextWrite(): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame was written within 5 s')), 5000);
      this.waiter = (at) => {
        clearTimeout(timer);
        resolve(at);
      };
    });
  }
}

/** An in-memory keyboard in the shape Ink reads (readable + read()). */
class MemoryKeyboard extends EventEmitter {
  readonly isTTY = true;
  private data: string | null = null;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read = (): string | null => {
    const data = this.data;
    this.data = null;
    return data;
  };
  press(data: string): void {
    this.data = data;
    this.emit('readable');
  }
}

export interface LatencyReport {
  /** Wall milliseconds from the event to the next terminal write, one per sample. */
  readonly samples: readonly number[];
  readonly medianMs: number;
  readonly p95Ms: number;
  /** CPU milliseconds this process spent over the same span (immune to a busy machine's scheduling delays). */
  readonly cpuMedianMs: number;
  /** 95th percentile of the same CPU milliseconds. */
  readonly cpuP95Ms: number;
}

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function report(samples: readonly Sample[]): LatencyReport {
  const wall = samples.map((s) => s.wallMs);
  const cpu = samples.map((s) => s.cpuMs);
  return { samples: wall, medianMs: quantile(wall, 0.5), p95Ms: quantile(wall, 0.95), cpuMedianMs: quantile(cpu, 0.5), cpuP95Ms: quantile(cpu, 0.95) };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keypress → next frame with `procs` processes: cursor keys (j/k) and sort keys (M/P, a full re-sort). */
export async function measureKeypressLatency({ procs = 5000, presses = 40, columns = 120, rows = 40 } = {}): Promise<{ cursor: LatencyReport; sort: LatencyReport; refresh: LatencyReport }> {
  const terminal = new MemoryTerminal(columns, rows);
  const keyboard = new MemoryKeyboard();
  const store = createMonitorStore({ columns, rows, backend: 'native' });
  store.getState().ingest(syntheticFrame(syntheticPopulation(procs, 1), { intervalMs: 0 }));
  store.getState().ingest(syntheticFrame(syntheticPopulation(procs, 2)));
  const app = render(<MonitorApp store={store} />, {
    stdout: terminal as unknown as NodeJS.WriteStream,
    stdin: keyboard as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  await pause(100);
  const time = async (act: () => void): Promise<Sample> => {
    // Spaced beyond Ink's 30 fps throttle so every event renders on the leading edge.
    await pause(45);
    const written = terminal.nextWrite();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    act();
    const wallMs = (await written) - start;
    const cpu = process.cpuUsage(cpuStart);
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  const cursor: Sample[] = [];
  const sort: Sample[] = [];
  const refresh: Sample[] = [];
  for (let i = 0; i < presses; i++) cursor.push(await time(() => keyboard.press(i % 4 === 3 ? 'k' : 'j')));
  for (let i = 0; i < Math.max(6, presses / 4); i++) sort.push(await time(() => keyboard.press(i % 2 === 0 ? 'M' : 'P')));
  for (let i = 0; i < Math.max(6, presses / 4); i++) {
    const frame = syntheticFrame(syntheticPopulation(procs, 3 + i), { timestampMs: 1_700_000_200_000 + i * 1500 });
    refresh.push(await time(() => store.getState().ingest(frame)));
  }
  app.unmount();
  return { cursor: report(cursor), sort: report(sort), refresh: report(refresh) };
}
