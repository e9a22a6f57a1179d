// Start-up phases, for the bench's "launch → first full frame" figure (bench/launch.mjs): each
// mark is performance.now(), i.e. milliseconds since this node process started (the launcher's
// exec keeps the process, so its shell part is before time 0 and measured apart by the bench).
// Marks are kept only when the bench asks for a report (PROCTOP_STARTUP_REPORT), so a normal
// start pays one environment lookup.

/** One phase boundary: its name and when it was reached (ms since the process started). */
export interface StartupMark {
  readonly name: string;
  readonly atMs: number;
}

const marks: StartupMark[] | null = process.env.PROCTOP_STARTUP_REPORT ? [] : null;

/** Records that start-up reached `name` now (a no-op unless a start-up report was asked for). */
export function markStartup(name: string): void {
  marks?.push({ name, atMs: performance.now() });
}

/**
 * The report the bench reads: the first line is the first full frame's time (what older benches
 * read as one number), then one "name ms" line per mark in the order they were reached, then
 * "cpu-ms" with the CPU time the process used so far.
 */
export function startupReportText(firstFullFrameMs: number): string {
  const cpu = process.cpuUsage();
  const lines = [
    firstFullFrameMs.toFixed(1),
    ...(marks ?? []).map((mark) => `${mark.name} ${mark.atMs.toFixed(1)}`),
    // Not a mark: CPU time (all threads, user + system) spent by the first full frame.
    `cpu-ms ${((cpu.user + cpu.system) / 1000).toFixed(1)}`,
  ];
  return `${lines.join('\n')}\n`;
}
