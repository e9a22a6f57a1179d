import { loadConfig } from '../config/config.js';
import { DEFAULT_LAST_SEEN_INTERVAL_MS } from './liveness.js';

/**
 * The last-seen write interval: PROCTOP_LAST_SEEN_INTERVAL, else `last_seen_interval` of the
 * config file, else 15 s. A bad value is the config loader's ConfigError (naming file or variable).
 */
export async function lastSeenIntervalMs(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { config } = await loadConfig({ env });
  return config.lastSeenIntervalMs ?? DEFAULT_LAST_SEEN_INTERVAL_MS;
}
