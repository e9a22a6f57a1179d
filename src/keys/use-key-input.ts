import { useEffect } from 'react';
import { useStdin } from 'ink';
import type { MonitorStore } from '../store/monitor-store.js';
import { decodeKey, splitKeys } from './decode-key.js';
import { handleKey, type CommandOverrides, type ViewKeyHandlers } from './dispatch.js';

const NO_OVERRIDES: CommandOverrides = {};
const NO_VIEW_KEYS: ViewKeyHandlers = {};

/**
 * Feeds every key of every raw input event to the key dispatcher (an event may carry several
 * keys); we decode names ourselves because useInput drops F-keys.
 */
export function useKeyInput(store: MonitorStore, overrides: CommandOverrides = NO_OVERRIDES, viewKeys: ViewKeyHandlers = NO_VIEW_KEYS): void {
  const { setRawMode, isRawModeSupported, internal_eventEmitter: events } = useStdin();
  useEffect(() => {
    if (!isRawModeSupported) return undefined;
    setRawMode(true);
    return () => setRawMode(false);
  }, [isRawModeSupported, setRawMode]);
  useEffect(() => {
    const onInput = (data: string): void => {
      for (const key of splitKeys(data)) handleKey(decodeKey(key), store, overrides, viewKeys);
    };
    events.on('input', onInput);
    return () => {
      events.removeListener('input', onInput);
    };
  }, [events, store, overrides, viewKeys]);
}
