// Ink's measureText and wrapText with bounded caches. Ink's own keep every text they ever saw in a
// module-level map that is never trimmed; a monitor draws new text every refresh (CPU%, TIME+,
// bars), so a `--watch` pane left running for days grew by tens of MB a day. Same results as
// Ink's functions; scripts/ink-patches-plugin.mjs swaps these in when bundling.

/**
 * A map that forgets what was not used during the last two fills of a generation: `capacity`
 * entries, or entries weighing `maxWeight` in all (by default a key weighs its length), whichever
 * comes first. The weight bound is what bounds the memory: a monitor's texts range from a cell to
 * a whole column of rows, and 4,096 of the larger ones held 10-20 MB (a --watch pane at 250 ms
 * rose 68 → 91 MB over ten minutes before each generation was let go).
 */
export class TwoGenerationCache<V> {
  private previous = new Map<string, V>();
  private current = new Map<string, V>();
  private currentWeight = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxWeight: number = Infinity,
    private readonly weigh: (key: string, value: V) => number = (key) => key.length,
  ) {}

  get(key: string): V | undefined {
    const hit = this.current.get(key);
    if (hit !== undefined) return hit;
    const old = this.previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: V): void {
    const weight = this.weigh(key, value);
    if (this.current.size >= this.capacity || (this.current.size > 0 && this.currentWeight + weight > this.maxWeight)) {
      this.previous = this.current;
      this.current = new Map();
      this.currentWeight = 0;
    }
    this.current.set(key, value);
    this.currentWeight += weight;
  }

  get size(): number {
    return this.previous.size + this.current.size;
  }

  /** What the entries of both generations weigh (approximately what they hold, in UTF-16 units). */
  get weight(): number {
    let total = this.currentWeight;
    for (const [key, value] of this.previous) total += this.weigh(key, value);
    return total;
  }
}

/** Enough for every text node of several screens; a refresh touches a few hundred. */
const TEXT_CACHE_CAPACITY = 4096;
/**
 * Characters of text a generation holds at most: several refreshes of a full screen (a 200×60
 * screen is 12,000 cells, ~50,000 characters with its colours), so each cache holds ~1 MB at most.
 */
export const TEXT_CACHE_CHARS = 256 * 1024;

export interface TextDimensions {
  readonly width: number;
  readonly height: number;
}

/**
 * Ink's measureText with a bounded cache. `cursorMarker` is the invisible marker newer Inks put
 * where the terminal cursor goes (for IME): as Ink's own measure-text does, one occurrence is
 * removed before measuring and the text without it is the cache key. Ink 6.8.0 has no marker.
 */
export function createMeasureText(
  widestLine: (text: string) => number,
  cursorMarker?: string,
  cache = new TwoGenerationCache<TextDimensions>(TEXT_CACHE_CAPACITY, TEXT_CACHE_CHARS),
): (text: string) => TextDimensions {
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

/** The wrapText cache's bounds: a key and its wrapped text both count. */
export function wrapTextCache(): TwoGenerationCache<string> {
  return new TwoGenerationCache<string>(TEXT_CACHE_CAPACITY, TEXT_CACHE_CHARS, (key, wrapped) => key.length + wrapped.length);
}

export function createWrapText(wrapAnsi: WrapAnsi, cliTruncate: CliTruncate, cache = wrapTextCache()): (text: string, maxWidth: number, wrapType: string) => string {
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
