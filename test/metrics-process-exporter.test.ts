// proctop serve-metrics side by side with the real process-exporter (Debian's
// prometheus-process-exporter) on the same processes, both grouping by comm.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killStartedChildren, waitFor } from './helpers/children.js';
import {
  httpGet,
  namedProgram,
  parseExposition,
  sampleValue,
  startNamedBurner,
  startNamedSleeper,
  startProcessExporter,
  startServeMetrics,
  tempDir,
  type ExpositionSample,
} from './helpers/prometheus-tools.js';

const dir = tempDir('proctop-pe-');
// A registry of this file's own (empty): the user's real one must not change what these tests see.
process.env.PROCTOP_REGISTRY = join(dir.path, 'registry.json');
const tag = String(process.pid % 100000);
// Names no other process on the box has. process-exporter is told to watch only these: it panics
// on a comm that is not valid UTF-8 (which other tests on this box create on purpose).
const names = { many: `pxa-${tag}`, burner: `pxc-${tag}`, one: `pxd-${tag}` };

beforeAll(() => {
  namedProgram(dir.path, names.many, '/bin/sleep');
  namedProgram(dir.path, names.one, '/bin/sleep');
  namedProgram(dir.path, names.burner, '/bin/bash');
});
afterEach(killStartedChildren);
afterAll(() => dir.cleanup());

function ticksOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** HELP and TYPE lines of a text exposition, by family. */
function metadata(text: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (m) lines.set(`${m[1]} ${m[2]}`, m[3] as string);
  }
  return lines;
}

const cpuOf = (samples: readonly ExpositionSample[], group: string): number =>
  (sampleValue(samples, 'namedprocess_namegroup_cpu_seconds_total', { groupname: group, mode: 'user' }) ?? NaN) +
  (sampleValue(samples, 'namedprocess_namegroup_cpu_seconds_total', { groupname: group, mode: 'system' }) ?? NaN);

describe('side by side with process-exporter (both grouping by comm)', () => {
  it('same group names, equal num_procs, cpu seconds and resident memory within a few percent, same family metadata', async () => {
    const config = ['process_names:', '  - name: "{{.Comm}}"', '    comm:', ...Object.values(names).map((n) => `    - ${n}`), ''].join('\n');
    const pe = await startProcessExporter(config, dir.path);
    const proctop = await startServeMetrics(['--interval', '300ms']);
    try {
      // Both count a process in full only when it started after their first sample, and both
      // date process starts from the whole-second boot time: leave a clear gap.
      await new Promise((r) => setTimeout(r, 2500));
      for (let i = 0; i < 3; i++) startNamedSleeper(dir.path, names.many);
      startNamedSleeper(dir.path, names.one);
      const burner = startNamedBurner(dir.path, names.burner, 2);
      const pid = burner.pid as number;
      // Wait until the burner is idle, so both exporters read the same settled counters.
      let last = -1;
      await waitFor(async () => {
        const now = ticksOf(pid);
        const settled = now === last && now > 0;
        last = now;
        return settled;
      }, 30_000, 700);
      // A proctop sample taken after the burner settled: its scraped CPU equals the kernel's to the
      // tick and every group is counted (on a loaded box the sampler can lag its interval).
      const settledTicks = ticksOf(pid);
      const ptText = await waitFor(async () => {
        const text = await httpGet(proctop.url);
        const samples = parseExposition(text.body);
        const procs = (group: string) => sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: group });
        const ready = Math.round(cpuOf(samples, names.burner) * 100) === settledTicks && procs(names.many) === 3 && procs(names.one) === 1;
        return ready ? text : undefined;
      }, 30_000, 200);
      const peText = await httpGet(pe.url);
      expect(peText.status).toBe(200);
      const peSamples = parseExposition(peText.body);
      const ptSamples = parseExposition(ptText.body);

      const groupsOf = (samples: readonly ExpositionSample[]) =>
        samples
          .filter((s) => s.name === 'namedprocess_namegroup_num_procs' && Object.values(names).includes(s.labels.groupname ?? ''))
          .map((s) => s.labels.groupname)
          .sort();
      expect(groupsOf(ptSamples)).toEqual(Object.values(names).sort());
      expect(groupsOf(peSamples)).toEqual(groupsOf(ptSamples));

      for (const group of Object.values(names)) {
        const procs = (samples: readonly ExpositionSample[]) => sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: group });
        expect(procs(ptSamples), group).toBe(procs(peSamples));
        const rss = (samples: readonly ExpositionSample[]) =>
          sampleValue(samples, 'namedprocess_namegroup_memory_bytes', { groupname: group, memtype: 'resident' }) ?? NaN;
        expect(Math.abs(rss(ptSamples) - rss(peSamples)) / rss(peSamples), `${group} resident`).toBeLessThan(0.03);
        // The extras families read the same files: equal, give or take a context switch or a fault.
        for (const [family, labels] of [
          ['namedprocess_namegroup_open_filedesc', {}],
          ['namedprocess_namegroup_num_threads', {}],
          ['namedprocess_namegroup_oldest_start_time_seconds', {}],
          ['namedprocess_namegroup_read_bytes_total', {}],
          ['namedprocess_namegroup_write_bytes_total', {}],
          ['namedprocess_namegroup_minor_page_faults_total', {}],
          ['namedprocess_namegroup_major_page_faults_total', {}],
          ['namedprocess_namegroup_context_switches_total', { ctxswitchtype: 'voluntary' }],
          ['namedprocess_namegroup_context_switches_total', { ctxswitchtype: 'nonvoluntary' }],
        ] as const) {
          const pe = sampleValue(peSamples, family, { groupname: group, ...labels }) ?? NaN;
          const pt = sampleValue(ptSamples, family, { groupname: group, ...labels }) ?? NaN;
          expect(Math.abs(pt - pe), `${group} ${family} ${JSON.stringify(labels)}: proctop ${pt}, process-exporter ${pe}`).toBeLessThanOrEqual(Math.max(3, 0.03 * pe));
        }
      }
      expect(sampleValue(ptSamples, 'namedprocess_namegroup_num_procs', { groupname: names.many })).toBe(3);
      const peCpu = cpuOf(peSamples, names.burner);
      const ptCpu = cpuOf(ptSamples, names.burner);
      console.log(`burner cpu seconds: process-exporter ${peCpu}, proctop ${ptCpu}`);
      expect(peCpu).toBeGreaterThan(0.05);
      expect(Math.abs(ptCpu - peCpu)).toBeLessThanOrEqual(Math.max(0.02, 0.03 * peCpu));

      // Every namedprocess family proctop writes has process-exporter's exact HELP and TYPE.
      const peMeta = metadata(peText.body);
      const ptMeta = metadata(ptText.body);
      const shared = [...ptMeta.keys()].filter((k) => k.includes(' namedprocess_'));
      // All 13 of process-exporter's group families (its per-thread ones are off on both sides).
      expect(shared.length).toBe(26);
      for (const key of shared) expect(ptMeta.get(key), key).toBe(peMeta.get(key));
      // ... and its label values.
      const labelValues = (samples: readonly ExpositionSample[], family: string, label: string) =>
        [...new Set(samples.filter((s) => s.name === family).map((s) => s.labels[label]))].sort();
      for (const [family, label] of [
        ['namedprocess_namegroup_cpu_seconds_total', 'mode'],
        ['namedprocess_namegroup_states', 'state'],
      ] as const) {
        expect(labelValues(ptSamples, family, label)).toEqual(labelValues(peSamples, family, label));
      }
      for (const group of Object.values(names)) {
        const ratio = (samples: readonly ExpositionSample[]) => sampleValue(samples, 'namedprocess_namegroup_worst_fd_ratio', { groupname: group });
        expect(ratio(ptSamples), `${group} worst_fd_ratio`).toBeCloseTo(ratio(peSamples) ?? NaN, 9);
      }
      const ptMemtypes = labelValues(ptSamples, 'namedprocess_namegroup_memory_bytes', 'memtype');
      expect(ptMemtypes.every((m) => labelValues(peSamples, 'namedprocess_namegroup_memory_bytes', 'memtype').includes(m))).toBe(true);
    } finally {
      await proctop.stop();
      await pe.stop();
    }
  }, 90_000);
});
