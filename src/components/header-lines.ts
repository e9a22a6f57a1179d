// The header's text, line by line, for each layout. Pure: the Header component only colours it.
import type { SampledFrame } from '../sampler/types.js';
import type { ScreenLayout } from '../store/layout.js';
import { fit, formatBytes, formatPercent, formatUptime, meter, sparkline } from '../output/format.js';

/** A header line and the meter kind that decides its colour. */
export interface HeaderLine {
  readonly text: string;
  readonly kind: 'cpu' | 'mem' | 'swap' | 'info';
}

function memoryText(frame: SampledFrame): { fraction: number; text: string } {
  const sys = frame.system;
  const used = Math.max(0, sys.memTotalBytes - sys.memAvailableBytes);
  return { fraction: sys.memTotalBytes > 0 ? used / sys.memTotalBytes : 0, text: `${formatBytes(used)}/${formatBytes(sys.memTotalBytes)}` };
}

function swapText(frame: SampledFrame): { fraction: number; text: string } {
  const sys = frame.system;
  const used = Math.max(0, sys.swapTotalBytes - sys.swapFreeBytes);
  return { fraction: sys.swapTotalBytes > 0 ? used / sys.swapTotalBytes : 0, text: `${formatBytes(used)}/${formatBytes(sys.swapTotalBytes)}` };
}

function taskText(frame: SampledFrame): string {
  const t = frame.tasks;
  const extra = [`${t.runningThreads} running`, t.zombie > 0 ? `${t.zombie} zombie` : '', t.stopped > 0 ? `${t.stopped} stopped` : ''].filter(Boolean).join(', ');
  return `Tasks: ${t.total}, ${t.threads} thr, ${t.kernelThreads} kthr; ${extra}; ${t.sleeping} sleeping`;
}

function loadText(frame: SampledFrame): string {
  return frame.system.loadAvg.map((v) => v.toFixed(2)).join(' ');
}

/** The header for a layout; exactly `layout.headerLines` lines, each at most `layout.columns` wide. */
export function headerLines(frame: SampledFrame | null, cpuHistory: readonly number[], layout: ScreenLayout): HeaderLine[] {
  const width = layout.columns;
  if (layout.headerLines === 0) return [];
  if (!frame) return Array.from({ length: layout.headerLines }, (_, i) => ({ text: i === 0 ? fit('proctop: sampling…', width) : '', kind: 'info' as const }));
  const mem = memoryText(frame);
  const swap = swapText(frame);
  const cpuTotal = `${formatPercent(frame.cpuPercentTotal)}%`;
  if (layout.header === 'summary') {
    return [{ text: fit(`CPU ${cpuTotal} Mem ${mem.text} Load ${loadText(frame)} Tasks ${frame.tasks.total}`, width), kind: 'info' }];
  }
  if (layout.header === 'narrow') {
    const barWidth = Math.max(10, Math.floor(width * 0.6));
    const spark = sparkline(cpuHistory, Math.max(0, width - barWidth - 1));
    return [
      { text: fit(`${meter('CPU', frame.cpuPercentTotal / 100, cpuTotal, barWidth)} ${spark}`, width), kind: 'cpu' },
      { text: meter('Mem', mem.fraction, mem.text, width), kind: 'mem' },
      { text: meter('Swp', swap.fraction, swap.text, width), kind: 'swap' },
      { text: fit(`Tasks ${frame.tasks.total}, ${frame.tasks.runningThreads} run  Load ${loadText(frame)}  Up ${formatUptime(frame.system.uptimeSeconds)}`, width), kind: 'info' },
    ];
  }
  // Wide: meters on the left half, figures on the right half.
  const leftWidth = Math.floor(width / 2) - 1;
  const rightWidth = width - leftWidth - 2;
  const left: HeaderLine[] = [];
  const per = frame.cpuPercentPerCpu;
  if (layout.cpuMeters === 'per-cpu') {
    const labelWidth = String(per.length - 1).length + 1;
    per.forEach((pct, i) => left.push({ text: meter(String(i).padStart(labelWidth), pct / 100, `${formatPercent(pct)}%`, leftWidth), kind: 'cpu' }));
  } else if (layout.cpuMeters === 'per-cpu-pairs') {
    const half = Math.floor((leftWidth - 1) / 2);
    const labelWidth = String(per.length - 1).length + 1;
    for (let i = 0; i < per.length; i += 2) {
      const a = meter(String(i).padStart(labelWidth), (per[i] ?? 0) / 100, `${formatPercent(per[i] ?? 0)}%`, half);
      const b = i + 1 < per.length ? meter(String(i + 1).padStart(labelWidth), (per[i + 1] ?? 0) / 100, `${formatPercent(per[i + 1] ?? 0)}%`, half) : '';
      left.push({ text: `${a} ${b}`, kind: 'cpu' });
    }
  } else {
    left.push({ text: meter('CPU', frame.cpuPercentTotal / 100, cpuTotal, leftWidth), kind: 'cpu' });
  }
  left.push({ text: meter('Mem', mem.fraction, mem.text, leftWidth), kind: 'mem' });
  left.push({ text: meter('Swp', swap.fraction, swap.text, leftWidth), kind: 'swap' });
  const sparkWidth = Math.max(0, rightWidth - 'CPU history '.length - cpuTotal.length - 1);
  const right = [
    taskText(frame),
    `Load average: ${loadText(frame)}`,
    `Uptime: ${formatUptime(frame.system.uptimeSeconds)}`,
    `CPU history ${sparkline(cpuHistory, sparkWidth)} ${cpuTotal}`,
  ];
  const out: HeaderLine[] = [];
  for (let i = 0; i < layout.headerLines; i++) {
    const l = left[i];
    const leftText = fit(l?.text ?? '', leftWidth);
    out.push({ text: `${leftText}  ${fit(right[i] ?? '', rightWidth)}`.trimEnd(), kind: l?.kind ?? 'info' });
  }
  return out;
}
