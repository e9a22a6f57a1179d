// Pure text helpers: figures as people read them (sizes, CPU time, percentages) and cells of a
// known width, for the TUI, tables and inspect alike.
import { sliceWhole } from './sanitize.js';

/** Cuts text to `width` characters (marking the cut with …) or pads it; right-aligns when asked. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const cut = text.length > width ? (width === 1 ? sliceWhole(text, 1) : `${sliceWhole(text, width - 1)}…`) : text;
  return align === 'right' ? cut.padStart(width) : cut.padEnd(width);
}

/** htop-style sizes: 1023K, 12.3M, 1.50G (binary units), at most 6 characters. */
export function formatBytes(bytes: number): string {
  const kib = bytes / 1024;
  if (kib < 10_000) return `${Math.round(kib)}K`;
  const mib = kib / 1024;
  if (mib < 1000) return `${mib < 100 ? mib.toFixed(1) : Math.round(mib)}M`;
  const gib = mib / 1024;
  if (gib < 1000) return `${gib < 100 ? gib.toFixed(2) : gib.toFixed(1)}G`;
  return `${(gib / 1024).toFixed(1)}T`;
}

/** TIME+ like htop: m:ss.cc under an hour, then h:mm:ss, then days. */
export function formatCpuTime(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 3600) {
    const minutes = Math.floor(s / 60);
    return `${minutes}:${(s - minutes * 60).toFixed(2).padStart(5, '0')}`;
  }
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = Math.floor(s % 60);
  if (hours < 100) return `${hours}:${String(minutes).padStart(2, '0')}:${String(secs).padStart(2, '0')}`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}

/** A percentage in at most 5 characters: 0.0 .. 99.9, 100, 1234. */
export function formatPercent(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value < 99.95 ? value.toFixed(1) : String(Math.round(value));
}

/** Uptime as "3 days, 04:12" or "04:12:33". */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86_400);
  const hh = String(Math.floor((s % 86_400) / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return days > 0 ? `${days} day${days === 1 ? '' : 's'}, ${hh}:${mm}:${ss}` : `${hh}:${mm}:${ss}`;
}

/** A meter like htop's: "CPU[|||||     23.4%]" filling `width` characters in total. */
export function meter(label: string, fraction: number, text: string, width: number): string {
  const inner = Math.max(0, width - label.length - 2);
  if (inner <= 0) return fit(label, width);
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const tail = text.length < inner ? text : '';
  const filled = Math.round(clamped * inner);
  const body = ('|'.repeat(filled) + ' '.repeat(inner - filled)).split('');
  for (let i = 0; i < tail.length; i++) body[inner - tail.length + i] = tail[i] ?? ' ';
  return `${label}[${body.join('')}]`;
}

const SPARK = '▁▂▃▄▅▆▇█';

/** The last `width` values (0..100) as a sparkline, padded on the left when short. */
export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0) return '';
  const recent = values.slice(-width);
  const chars = recent.map((v) => SPARK[Math.min(SPARK.length - 1, Math.max(0, Math.round((v / 100) * (SPARK.length - 1))))] ?? ' ');
  return chars.join('').padStart(width);
}
