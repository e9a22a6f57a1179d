import { isUtf8 } from 'node:buffer';

/**
 * Bytes from the kernel (argv, comm, paths) as a string that keeps every byte: valid UTF-8 is
 * decoded as usual; a byte that starts no valid sequence becomes the lone surrogate U+DC00+byte
 * ("surrogateescape", as native/js_text.h does), so `\xff` is not lost to U+FFFD and the
 * sanitizer can show it as `\xff`.
 */
export function decodeBytes(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buffer)) return buffer.toString('utf8');
  let text = '';
  let start = 0; // start of the pending valid run
  for (let i = 0; i < buffer.length; ) {
    const length = sequenceLength(buffer, i);
    if (length > 0) {
      i += length;
      continue;
    }
    text += buffer.toString('utf8', start, i) + String.fromCharCode(0xdc00 + (buffer[i] as number));
    i += 1;
    start = i;
  }
  return text + buffer.toString('utf8', start);
}

const continuation = (b: Uint8Array, i: number): boolean => i < b.length && ((b[i] as number) & 0xc0) === 0x80;

// Length of the valid UTF-8 sequence at b[i], 0 when none starts there (same rules as js_text.h).
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i] as number;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return continuation(b, i + 1) ? 2 : 0;
  const c1 = b[i + 1] ?? 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!continuation(b, i + 1) || !continuation(b, i + 2)) return 0;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 >= 0xa0)) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!continuation(b, i + 1) || !continuation(b, i + 2) || !continuation(b, i + 3)) return 0;
    if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 >= 0x90)) return 0;
    return 4;
  }
  return 0;
}
