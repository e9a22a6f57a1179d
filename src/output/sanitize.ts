// The ONE sanitizer for human-facing text. Process names, argv, paths, socket names and anything a
// user typed are written by someone else: a control byte reaching a terminal can recolour it,
// retitle the pane, clear the screen or fake output. Every table, preview, status line, TUI cell
// and error message passes its untrusted text through `sanitizeText`; JSON keeps the exact text.
//
// What is escaped, always as the bytes the text really holds (`\x1b`, `\xc2\x9b`, `\xff`), so a
// person can see what a name really is:
// - C0 controls U+0000..U+001F (newline and tab included) and DEL U+007F,
// - C1 controls U+0080..U+009F (on a terminal `\xc2\x9b` is CSI just like ESC [),
// - bytes that were not valid UTF-8: src/sys decodes them as lone surrogates U+DC80..U+DCFF
//   (Python's "surrogateescape"), so `\xff` survives decoding and is shown as `\xff`,
// - any other lone surrogate (it cannot be printed), as `\u{d800}`.

// Fast test: a control, or any surrogate (pairs are checked in the slow path).
const SUSPECT = /[\x00-\x1f\x7f-\x9f\ud800-\udfff]/;
const SUSPECT_ALL = /[\x00-\x1f\x7f-\x9f]|[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]/g;

function hexByte(byte: number): string {
  return `\\x${byte.toString(16).padStart(2, '0')}`;
}

function escapeOne(match: string): string {
  if (match.length === 2) return match; // a valid surrogate pair: an ordinary astral character
  const code = match.charCodeAt(0);
  if (code < 0x80) return hexByte(code);
  if (code <= 0x9f) return hexByte(0xc2) + hexByte(code); // C1 as its UTF-8 bytes
  if (code >= 0xdc80 && code <= 0xdcff) return hexByte(code - 0xdc00); // an undecodable byte
  return `\\u{${code.toString(16)}}`;
}

/** `text` with every control character and undecodable byte shown visibly escaped (`\x1b`). */
export function sanitizeText(text: string): string {
  return SUSPECT.test(text) ? text.replace(SUSPECT_ALL, escapeOne) : text;
}

/** Like sanitizeText but keeps the line breaks of a multi-line message (a table, a usage text). */
export function sanitizeLines(text: string): string {
  if (!SUSPECT.test(text)) return text;
  return text.split('\n').map(sanitizeText).join('\n');
}

/** The first `end` UTF-16 units of text, one fewer when the cut would split a surrogate pair (a lone half cannot be shown). */
export function sliceWhole(text: string, end: number): string {
  const code = text.charCodeAt(end - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? end - 1 : end);
}

/** How many characters of a user-typed value an error message echoes back. */
export const ECHO_MAX_CHARS = 80;

/**
 * A value the user typed (or a process wrote), quoted for one line of an error message: escaped
 * and cut to ECHO_MAX_CHARS characters with "…", so a 100,000-character argument stays one line.
 */
export function quoted(value: string): string {
  const cut = value.length > ECHO_MAX_CHARS ? `${sliceWhole(value, ECHO_MAX_CHARS)}…` : value;
  return `"${sanitizeText(cut)}"`;
}

/**
 * One stderr line for a warning: `proctop: warning: TEXT`, its text sanitized here (a newline in
 * a process's path or name is escaped too, so a warning can never forge a second line; the stderr
 * sink's sanitizeLines keeps line breaks).
 */
export function warningLine(text: string): string {
  return `proctop: warning: ${sanitizeText(text)}\n`;
}
