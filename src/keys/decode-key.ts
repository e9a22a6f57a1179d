// Raw terminal input → a named key. Ink's useInput drops F-keys (they arrive as ""), and htop's
// twins (F1..F10) are part of our key table, so proctop decodes the raw sequences itself.

/** One decoded keypress. */
export interface KeyPress {
  /** "up", "pagedown", "f9", "escape", "return", "space", "backspace", "tab", or the character itself ("q", "K", "/"). */
  readonly name: string;
  readonly ctrl: boolean;
  /** The raw input, for text prompts. */
  readonly sequence: string;
}

const SEQUENCES: Readonly<Record<string, string>> = {
  '\x1b[A': 'up',
  '\x1b[B': 'down',
  '\x1b[C': 'right',
  '\x1b[D': 'left',
  '\x1bOA': 'up',
  '\x1bOB': 'down',
  '\x1bOC': 'right',
  '\x1bOD': 'left',
  '\x1b[5~': 'pageup',
  '\x1b[6~': 'pagedown',
  '\x1b[H': 'home',
  '\x1b[F': 'end',
  '\x1bOH': 'home',
  '\x1bOF': 'end',
  '\x1b[1~': 'home',
  '\x1b[4~': 'end',
  '\x1b[7~': 'home',
  '\x1b[8~': 'end',
  '\x1b[2~': 'insert',
  '\x1b[3~': 'delete',
  '\x1bOP': 'f1',
  '\x1bOQ': 'f2',
  '\x1bOR': 'f3',
  '\x1bOS': 'f4',
  '\x1b[11~': 'f1',
  '\x1b[12~': 'f2',
  '\x1b[13~': 'f3',
  '\x1b[14~': 'f4',
  '\x1b[[A': 'f1',
  '\x1b[[B': 'f2',
  '\x1b[[C': 'f3',
  '\x1b[[D': 'f4',
  '\x1b[[E': 'f5',
  '\x1b[15~': 'f5',
  '\x1b[17~': 'f6',
  '\x1b[18~': 'f7',
  '\x1b[19~': 'f8',
  '\x1b[20~': 'f9',
  '\x1b[21~': 'f10',
  '\x1b[23~': 'f11',
  '\x1b[24~': 'f12',
  '\x1b[Z': 'backtab',
  '\x1b': 'escape',
  '\r': 'return',
  '\n': 'return',
  '\t': 'tab',
  ' ': 'space',
  '\x7f': 'backspace',
  '\b': 'backspace',
};

/** Decodes one input event (Ink hands over one key per event). */
export function decodeKey(sequence: string): KeyPress {
  const named = SEQUENCES[sequence];
  if (named !== undefined) return { name: named, ctrl: false, sequence };
  // Modified cursor keys ("\x1b[1;5A") decode to the plain key.
  const modified = /^\x1b\[1;\d([A-DFH])$/.exec(sequence);
  if (modified) return { name: SEQUENCES[`\x1b[${modified[1]}`] ?? 'unknown', ctrl: false, sequence };
  if (sequence.length === 1) {
    const code = sequence.charCodeAt(0);
    // Ctrl+letter arrives as 1..26.
    if (code >= 1 && code <= 26) return { name: String.fromCharCode(code + 96), ctrl: true, sequence };
    return { name: sequence, ctrl: false, sequence };
  }
  return { name: sequence.startsWith('\x1b') ? 'unknown' : sequence, ctrl: false, sequence };
}

/**
 * Splits one raw input chunk into single keys. Over SSH, and whenever keys are typed fast or
 * pasted, several keys arrive in one read ("N/", "text\r", "\x1b[B\x1b[B"): each must count.
 */
export function splitKeys(chunk: string): string[] {
  const keys: string[] = [];
  let i = 0;
  while (i < chunk.length) {
    const rest = chunk.slice(i);
    let length = 1;
    if (rest.startsWith('\x1b[[') && rest.length >= 4) {
      length = 4; // Linux console F1..F5
    } else if (rest.startsWith('\x1b[M') && rest.length >= 6) {
      length = 6; // a legacy (X10) mouse report: three raw bytes follow, never keys
    } else if (rest.startsWith('\x1b[')) {
      // CSI: parameters and intermediates, then one final byte in @..~
      const csi = /^\x1b\[[0-?]*[ -/]*[@-~]/.exec(rest);
      length = csi ? csi[0].length : rest.length;
    } else if (rest.startsWith('\x1bO') && rest.length >= 3) {
      length = 3; // SS3: F1..F4, keypad cursor keys
    } else {
      const code = rest.codePointAt(0) ?? 0;
      length = code > 0xffff ? 2 : 1;
    }
    keys.push(rest.slice(0, length));
    i += length;
  }
  return keys;
}
