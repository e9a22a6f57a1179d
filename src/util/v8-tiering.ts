// V8 settings for a long run: when V8 optimizes the code a screen runs once per refresh
// (tuneTieringForScreen), and a heap kept small (preferSmallHeap, below). V8 11 (Node 20)
// considers a function for TurboFan after its interrupt budget of bytecode has run (67,584 units by default): a refresh
// of 1,000 processes spends that within its first frame or two, so the sampler's, the list's and
// the decoder's loops were compiled from the feedback of the first calls only (no previous frame,
// no process exited yet) and thrown away and compiled again as soon as a later refresh took a path
// the first ones had not (30-50 ms of TurboFan each, several times in a pane's first minute).
// Eight times the budget lets a few refreshes run first. Measured side by side in tmux panes on
// 1,000 processes (session 8, same build with and without it): the pane's first minute 14.2 →
// 12.8 ms of CPU per refresh (btop 12.7), V8's compiler threads 3.3 → 2.0 ms of it; the settled
// minute unchanged. With this session's deopt fixes, TurboFan compiled 47 functions in the first
// minute instead of 86, the sampler's and the decoder's loops once each instead of 3-5 times.
// Node 22 and later tier up by invocation counts (and Maglev), have no such flag, and node refuses
// to start with it: so it is set at run time, only where V8 has it, rather than by the launcher.
import { noteV8FlagsChanged } from './main-script.js';

/** V8's interrupt budget for a long-running screen: 8 × V8 11's default. */
export const SCREEN_INTERRUPT_BUDGET = 8 * 67_584;

/** Whether V8 of this version (process.versions.v8) has --interrupt-budget: V8 11 and older (Node 20). */
export function hasInterruptBudgetFlag(v8Version: string): boolean {
  const major = /^(\d+)\./.exec(v8Version)?.[1];
  return major !== undefined && Number(major) <= 11;
}

/**
 * Raises V8's interrupt budget for the rest of this process, where V8 has the flag (a no-op on
 * Node 22+). For the TUI, called once its first screen is drawn (node:v8 loads Node's stream
 * modules, which the first frame does not need); functions pick it up at their next budget check.
 */
export async function tuneTieringForScreen(v8Version: string = process.versions.v8): Promise<boolean> {
  if (!hasInterruptBudgetFlag(v8Version)) return false;
  const { setFlagsFromString } = await import('node:v8');
  noteV8FlagsChanged(); // no code cache is made under other flags than a start's (main-script.ts)
  setFlagsFromString(`--interrupt-budget=${SCREEN_INTERRUPT_BUDGET}`);
  return true;
}

let smallHeapAsked = false;

/**
 * Asks V8, once, to keep the old generation near its live size (--optimize-for-size) and the young
 * generation at the size it has reached (--semi-space-growth-factor=1) for the rest of this
 * process: for the long-running modes (the TUI once its first screen is drawn, --watch to a pipe,
 * serve-metrics). V8 reads both whenever it sizes the heap; a --max-semi-space-size set at run time
 * is never read again. Neither is a launcher flag: any V8 flag on node's command line made Node 20
 * compile its own modules without their code cache (scripts/esbuild-options.mjs), and
 * optimize-for-size from the start took 15 GCs instead of 9 while the first frame's modules loaded.
 * Left to grow, the young generation reaches 32 MB on Node 20 and 128 MB on Node 24 for garbage
 * that dies within a refresh. A --watch pane at 250 ms with 1,000 processes settled at 65 MB, against
 * 69 MB with the old launcher flag (Node 24: 75 against 80). Resolves to whether this call set them.
 */
export async function preferSmallHeap(): Promise<boolean> {
  if (smallHeapAsked) return false;
  smallHeapAsked = true;
  const { setFlagsFromString } = await import('node:v8');
  noteV8FlagsChanged();
  setFlagsFromString('--optimize-for-size');
  setFlagsFromString('--semi-space-growth-factor=1');
  return true;
}
