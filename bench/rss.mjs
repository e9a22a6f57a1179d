// The exact-RSS section of `npm run bench -- --only rss`: what reading /proc/PID/status VmRSS for
// the rows on screen adds to a refresh (tui/visible-rss.ts does it after every refresh and scroll),
// beside the steady snapshot refresh it rides on. Interleaved rounds, medians.
import { median, timed } from './snapshot.mjs';

export const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/**
 * @param {{ procs: number, runs?: number, lib: any }} options lib = the bundled proctop library
 * @returns {Promise<string>}
 */
export async function run({ procs, runs = 15, lib }) {
  const native = lib.createNativeCollector('/proc');
  const collector = typeof native === 'string' ? lib.createJsCollector('/proc') : native;
  const screens = [
    ['rows on a 120x40 screen', 30],
    ['rows on a 200x70 screen', 60],
  ];
  const samples = { refresh: [], ...Object.fromEntries(screens.map(([name]) => [name, []])) };
  let visible = 0;
  for (let round = 0; round <= runs; round++) {
    const snapshot = await collector.snapshot();
    visible = snapshot.processes.length;
    const refresh = await timed(() => collector.snapshot());
    if (round > 0) samples.refresh.push(refresh);
    for (const [name, count] of screens) {
      const rows = snapshot.processes.slice(0, count).map((p) => ({ pid: p.pid, startTime: p.startTime }));
      const read = await timed(() => collector.readExtras(rows, { status: true }));
      if (round > 0) samples[name].push(read);
    }
  }
  const refreshMs = median(samples.refresh.map((s) => s.ms));
  const refreshCpu = median(samples.refresh.map((s) => s.cpuMs));
  const lines = [
    `### Exact RSS on screen: ${procs} farm processes (${visible} visible), ${collector.backend} backend, median of ${runs} interleaved runs`,
    '',
    '| read | median ms | CPU ms | vs steady refresh (CPU) |',
    '|---|---:|---:|---:|',
    `| steady snapshot refresh (every process) | ${fmt(refreshMs)} | ${fmt(refreshCpu)} | 1.00× |`,
    ...screens.map(([name, count]) => {
      const ms = median(samples[name].map((s) => s.ms));
      const cpu = median(samples[name].map((s) => s.cpuMs));
      return `| VmRSS of ${count} ${name} (status + stat re-check each) | ${fmt(ms)} | ${fmt(cpu)} | ${(cpu / refreshCpu).toFixed(2)}× |`;
    }),
    '',
    'The on-screen read runs once per refresh and once per scroll; sorting and filtering never read it.',
    '',
  ];
  return lines.join('\n');
}
