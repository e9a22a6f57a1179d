// Start-up phases, for the bench's "launch → first full frame" figure (bench/launch.mjs): each
// mark is startupNowMs(), i.e. milliseconds since this node process started (the launcher's
// exec keeps the process, so its shell part is before time 0 and measured apart by the bench).
// Marks are kept only when the bench asks for a report (PROCTOP_STARTUP_REPORT), so a normal
// start pays one environment lookup.

/** One phase boundary: its name, when it was reached (ms since the process started) and the CPU time used by then. */
export interface StartupMark {
  readonly name: string;
  readonly atMs: number;
  /** User + system CPU of every thread of the process so far (wall time on a busy machine includes waiting for a CPU; this does not). */
  readonly cpuMs: number;
}

const marks: StartupMark[] | null = process.env.PROCTOP_STARTUP_REPORT ? [] : null;

/**
 * Milliseconds since this node process started, on the clock the marks use: process.uptime(), not
 * performance.now(), whose first use loads Node's perf_hooks (~3 ms) and would make the report
 * itself delay the first read it times (the entry module marks before starting it).
 */
export function startupNowMs(): number {
  return process.uptime() * 1000;
}

/**
 * Records that start-up reached `name` now (a no-op unless a start-up report was asked for). Only
 * the first time counts: the primed source and the sampling loop both pass sample-2's marks, the
 * primed source when the read really starts and ends.
 */
export function markStartup(name: string): void {
  if (!marks || marks.some((mark) => mark.name === name)) return;
  marks.push({ name, atMs: startupNowMs(), cpuMs: cpuMsNow() });
}

/**
 * Records that start-up reached `name` at `atMs` (startupNowMs() time), earlier than now: a
 * moment stamped by another thread (a read's own stamps). Its CPU time is not known (NaN).
 */
export function markStartupAt(name: string, atMs: number): void {
  marks?.push({ name, atMs, cpuMs: Number.NaN });
}

function cpuMsNow(): number {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}

/**
 * The report the bench reads: the first line is the first full frame's time (what older benches
 * read as one number), then one "name ms cpu-ms" line per mark in the order they were reached,
 * then "cpu-window-ms" with the window the first frame's CPU figures cover (the gap between its
 * two reads on their own monotonic timestamps), then "cpu-ms" with the CPU time the process used
 * by the first full frame.
 */
export function startupReportText(firstFullFrameMs: number, cpuWindowMs: number): string {
  const lines = [
    firstFullFrameMs.toFixed(1),
    ...(marks ?? []).map((mark) => `${mark.name} ${mark.atMs.toFixed(1)} ${mark.cpuMs.toFixed(1)}`),
    `cpu-window-ms ${cpuWindowMs.toFixed(1)}`,
    `cpu-ms ${cpuMsNow().toFixed(1)}`,
  ];
  return `${lines.join('\n')}\n`;
}
