// The native addon for tests of its readers: a missing addon is a failure there, not a skip.
import nodeGypBuild from 'node-gyp-build';
import { loadNativeAddon, type NativeAddon } from '../../src/sys/native-addon.js';
import { repoRoot } from './cli.js';

/** The addon as the product loads it; throws the load error when there is none. */
export function requireAddon(): NativeAddon {
  const load = loadNativeAddon();
  if (!load.addon) throw new Error(load.error);
  return load.addon;
}

/** Where that addon lives (as loadNativeAddon finds it), for a script run in a process of its own. */
export function addonPath(): string {
  return nodeGypBuild.path(repoRoot);
}
