// When V8 optimizes the code a screen runs once per refresh. V8 11 (Node 20) considers a function
// for TurboFan after its interrupt budget of bytecode has run (67,584 units by default): a refresh
// of 1,000 processes spends that within its first frame or two, so the sampler's, the list's and
// the decoder's loops were compiled from the feedback of the first calls only (no previous frame,
// no process exited yet) and thrown away and compiled again as soon as a later refresh took a path
// the first ones had not (30-50 ms of TurboFan each, several times in a pane's first minute).
// Eight times the budget lets a few refreshes run first. Measured side by side in tmux panes on
// 1,000 processes (README, Benchmarks): V8's compiler threads' CPU in the first minute 2.7 → 1.7 ms
// per refresh, the refresh's own thread unchanged. Node 22 and later tier up by invocation counts
// (and Maglev), have no such flag, and node refuses to start with it: so it is set at run time,
// only where V8 has it, rather than by the launcher.

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
  setFlagsFromString(`--interrupt-budget=${SCREEN_INTERRUPT_BUDGET}`);
  return true;
}
