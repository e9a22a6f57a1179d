// Ink's measureText and wrapText with bounded caches. Ink's own keep every text they ever saw in a
// module-level map that is never trimmed; a monitor draws new text every refresh (CPU%, TIME+,
// bars), so a `--watch` pane left running for days grew by tens of MB a day. Same results as
// Ink's functions; scripts/ink-patches-plugin.mjs swaps these in when bundling.

/** A map that forgets what was not used during the last two fills of `capacity` entries. */
export class TwoGenerationCache<V> {
  private previous = new Map<string, V>();
  private current = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const hit = this.current.get(key);
    if (hit !== undefined) return hit;
    const old = this.previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: V): void {
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }

  get size(): number {
    return this.previous.size + this.current.size;
  }
}

/** Enough for every text node of several screens; a refresh touches a few hundred. */
const TEXT_CACHE_CAPACITY = 4096;

export interface TextDimensions {
  readonly width: number;
  readonly height: number;
}

/**
 * Ink's measureText with a bounded cache. `cursorMarker` is the invisible marker newer Inks put
 * where the terminal cursor goes (for IME): as Ink's own measure-text does, one occurrence is
 * removed before measuring and the text without it is the cache key. Ink 6.8.0 has no marker.
 */
export function createMeasureText(widestLine: (text: string) => number, cursorMarker?: string): (text: string) => TextDimensions {
  const cache = new TwoGenerationCache<TextDimensions>(TEXT_CACHE_CAPACITY);
  return function measureText(text: string): TextDimensions {
    const measured = cursorMarker === undefined ? text : text.replace(cursorMarker, '');
    if (measured.length === 0) return { width: 0, height: 0 };
    const cached = cache.get(measured);
    if (cached !== undefined) return cached;
    const dimensions = { width: widestLine(measured), height: measured.split('\n').length };
    cache.set(measured, dimensions);
    return dimensions;
  };
}

type WrapAnsi = (text: string, columns: number, options: { trim: boolean; hard: boolean }) => string;
type CliTruncate = (text: string, columns: number, options: { position: 'start' | 'middle' | 'end' }) => string;

export function createWrapText(wrapAnsi: WrapAnsi, cliTruncate: CliTruncate): (text: string, maxWidth: number, wrapType: string) => string {
  const cache = new TwoGenerationCache<string>(TEXT_CACHE_CAPACITY);
  return function wrapText(text: string, maxWidth: number, wrapType: string): string {
    const key = `${text}\u0000${maxWidth}\u0000${wrapType}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    let wrapped = text;
    if (wrapType === 'wrap') {
      wrapped = wrapAnsi(text, maxWidth, { trim: false, hard: true });
    } else if (wrapType.startsWith('truncate')) {
      const position = wrapType === 'truncate-middle' ? 'middle' : wrapType === 'truncate-start' ? 'start' : 'end';
      wrapped = cliTruncate(text, maxWidth, { position });
    }
    cache.set(key, wrapped);
    return wrapped;
  };
}
