import { parseDuration } from '../util/duration.js';
import { DEFAULT_LAST_SEEN_INTERVAL_MS } from './liveness.js';

/** The last-seen write interval: PROCTOP_LAST_SEEN_INTERVAL, else the default (config file: see src/config). */
export async function lastSeenIntervalMs(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const text = env.PROCTOP_LAST_SEEN_INTERVAL;
  if (text === undefined || text === '') return DEFAULT_LAST_SEEN_INTERVAL_MS;
  return parseDuration(text);
}
