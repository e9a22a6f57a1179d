import { useEffect } from 'react';
import { useStdin } from 'ink';
import type { MonitorStore } from '../store/monitor-store.js';
import { decodeKey, splitKeys } from './decode-key.js';
import { decodeMouse, isMouseReport } from './decode-mouse.js';
import { handleKey, type CommandOverrides, type ViewKeyHandlers } from './dispatch.js';
import { handleMouse } from './mouse.js';
import type { ViewGeometry } from './view-geometry.js';

const NO_OVERRIDES: CommandOverrides = {};
const NO_VIEW_KEYS: ViewKeyHandlers = {};

/**
 * Feeds every key of every raw input event to the key dispatcher (an event may carry several
 * keys); we decode names ourselves because useInput drops F-keys. Mouse reports go to the mouse
 * handler when `mouse` is on, and are never read as keys either way. `geometry` is the views'
 * measure of what they draw (src/components/view-geometry.ts).
 */
export function useKeyInput(store: MonitorStore, geometry: ViewGeometry, overrides: CommandOverrides = NO_OVERRIDES, viewKeys: ViewKeyHandlers = NO_VIEW_KEYS, mouse = false): void {
  const { setRawMode, isRawModeSupported, internal_eventEmitter: events } = useStdin();
  useEffect(() => {
    if (!isRawModeSupported) return undefined;
    setRawMode(true);
    return () => setRawMode(false);
  }, [isRawModeSupported, setRawMode]);
  useEffect(() => {
    const onInput = (data: string): void => {
      for (const key of splitKeys(data)) {
        if (isMouseReport(key)) {
          const event = mouse ? decodeMouse(key) : null;
          if (event) handleMouse(event, store, (press) => handleKey(press, store, overrides, viewKeys), geometry);
          continue;
        }
        handleKey(decodeKey(key), store, overrides, viewKeys);
      }
    };
    events.on('input', onInput);
    return () => {
      events.removeListener('input', onInput);
    };
  }, [events, store, geometry, overrides, viewKeys, mouse]);
}
