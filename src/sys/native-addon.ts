import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';
import type { PackedFdListing } from './native-fds.js';
import type { ProcessSockets, SignalDelivery, Snapshot } from './types.js';

/** A reader that keeps per-identity caches (argv, exe, user) between snapshots. */
export interface NativeSnapshotReader {
  /** Reads every process under the reader's proc root on a worker thread. */
  snapshot(): Promise<Snapshot>;
}

/** The JS-facing surface of build/Release/proctop.node (native/addon.cc). */
export interface NativeAddon {
  SnapshotReader: new (procRoot: string) => NativeSnapshotReader;
  /** Lists /proc/PID/fd on a worker thread; sockets resolved through /proc/PID/net. Decode with unpackFdListing. */
  listFds(procRoot: string, pid: number, options: { readonly pipePeers: boolean }): Promise<PackedFdListing>;
  /** pidfd_open → verify start time → pidfd_send_signal; check-then-kill where pidfds are unavailable. */
  sendSignal(procRoot: string, pid: number, startTime: number, signal: number): Promise<SignalDelivery>;
  /** Socket fds of every process under procRoot, with its network namespace (for ports). */
  listSocketOwners(procRoot: string): Promise<readonly ProcessSockets[]>;
}

export type AddonLoad = { readonly addon: NativeAddon; readonly error: null } | { readonly addon: null; readonly error: string };

let cached: AddonLoad | undefined;

/** Loads the addon once. Only "not found" is treated as absent; any other load error is reported verbatim. */
export function loadNativeAddon(): AddonLoad {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const root = packageRoot();
  const tried: string[] = [];
  for (const flavour of ['Release', 'Debug']) {
    const path = join(root, 'build', flavour, 'proctop.node');
    tried.push(path);
    try {
      cached = { addon: require(path) as NativeAddon, error: null };
      return cached;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'MODULE_NOT_FOUND' && !/cannot find module/i.test(String(err))) {
        cached = { addon: null, error: `native addon ${path} failed to load: ${(err as Error).message}` };
        return cached;
      }
    }
  }
  cached = { addon: null, error: `native addon not built (tried ${tried.join(', ')})` };
  return cached;
}
