import { quoted } from '../output/sanitize.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration such as "250ms", "1.5s", "5m", "2h", "1d" or a bare number of seconds into
 * milliseconds. Throws an Error naming the bad text otherwise.
 */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) throw new Error(`invalid duration ${quoted(text)} (use e.g. 250ms, 2s, 5m, 1h)`);
  const value = Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1000);
  if (!Number.isFinite(value)) throw new Error(`invalid duration ${quoted(text)}`);
  return value;
}

/** Formats milliseconds compactly for people: 250ms, 1.5s, 2m, 3h. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)}m`;
  return `${+(ms / 3_600_000).toFixed(1)}h`;
}
