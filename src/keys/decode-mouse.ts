// Raw terminal mouse reports → events. proctop asks for SGR reports (DECSET 1000 + 1006):
// "\x1b[<B;X;YM" on press, "...m" on release, 1-based X/Y, wheel as buttons 64/65.

/** One mouse report, in 0-based screen cells. */
export interface MouseEvent {
  readonly kind: 'press' | 'release' | 'wheel-up' | 'wheel-down';
  /** Which button pressed or released (left, middle, right); null for the wheel. */
  readonly button: 'left' | 'middle' | 'right' | null;
  /** 0-based column. */
  readonly x: number;
  /** 0-based row. */
  readonly y: number;
}

const SGR = /^\x1b\[<(\d+);(\d+);(\d+)([Mm])$/;
const BUTTONS = ['left', 'middle', 'right'] as const;

/** The event a raw sequence reports, or null when it is not a mouse report proctop reads. */
export function decodeMouse(sequence: string): MouseEvent | null {
  const sgr = SGR.exec(sequence);
  if (!sgr) return null;
  const code = Number(sgr[1]);
  const x = Number(sgr[2]) - 1;
  const y = Number(sgr[3]) - 1;
  if (x < 0 || y < 0) return null;
  // Bits 2..4 are Shift/Meta/Ctrl, bit 5 motion (drag, not asked for); 64/65 the wheel.
  if (code & 32) return null;
  if (code & 64) return (code & 3) === 0 ? { kind: 'wheel-up', button: null, x, y } : (code & 3) === 1 ? { kind: 'wheel-down', button: null, x, y } : null;
  const button = BUTTONS[code & 3];
  if (!button) return null;
  return { kind: sgr[4] === 'M' ? 'press' : 'release', button, x, y };
}

/** True for a mouse report of any encoding (SGR, or the legacy "\x1b[M" + 3 bytes), so it is never read as keys. */
export function isMouseReport(sequence: string): boolean {
  return SGR.test(sequence) || (sequence.startsWith('\x1b[M') && sequence.length === 6);
}
