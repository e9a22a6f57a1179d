import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from './helpers/cli.js';
import { hasInterruptBudgetFlag, SCREEN_INTERRUPT_BUDGET, tuneTieringForScreen } from '../src/util/v8-tiering.js';

describe('V8 tiering for a long-running screen', () => {
  it('knows which V8 versions have --interrupt-budget (Node 20: V8 11; Node 22+: V8 12 and later)', () => {
    expect(hasInterruptBudgetFlag('11.3.244.8-node.33')).toBe(true);
    expect(hasInterruptBudgetFlag('10.2.154.26-node.26')).toBe(true);
    expect(hasInterruptBudgetFlag('12.4.254.21-node.33')).toBe(false);
    expect(hasInterruptBudgetFlag('13.6.233.10-node.24')).toBe(false);
    expect(hasInterruptBudgetFlag('')).toBe(false);
  });

  it("agrees with the running node: it starts with the flag exactly where the flag is said to exist", () => {
    // node refuses an option V8 does not know ("bad option", exit 9): that is why the flag is not in the launcher.
    const run = spawnSync(process.execPath, [`--interrupt-budget=${SCREEN_INTERRUPT_BUDGET}`, '-e', '0'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.error).toBeUndefined();
    expect(run.status === 0).toBe(hasInterruptBudgetFlag(process.versions.v8));
  });

  it('sets the budget only where V8 has the flag', async () => {
    await expect(tuneTieringForScreen('12.4.254.21-node.33')).resolves.toBe(false);
    // On this node for real (a known flag on V8 11; nothing at all on newer V8s).
    await expect(tuneTieringForScreen()).resolves.toBe(hasInterruptBudgetFlag(process.versions.v8));
  });
});

describe('a small heap for a long run', () => {
  it('is asked of V8 once, at run time (node accepts the flag on every supported version)', async () => {
    await ensureBuilt();
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', `
      const { preferSmallHeap } = await import(${JSON.stringify(join(repoRoot, 'dist', 'index.js'))});
      console.log(await preferSmallHeap(), await preferSmallHeap());`], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('true false');
  });

  it('keeps the young generation from growing once asked (the launcher no longer caps it with a flag)', async () => {
    await ensureBuilt();
    // Rows that live for two rounds, as a frame lives until the next refresh: with survivors like
    // these V8 doubles the new space up to 16 MB a semi-space (32 MB) unless told not to grow it.
    const newSpaceMb = (ask: boolean): number => {
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', `
        import { getHeapSpaceStatistics } from 'node:v8';
        const { preferSmallHeap } = await import(${JSON.stringify(join(repoRoot, 'dist', 'index.js'))});
        if (${ask}) await preferSmallHeap();
        const kept = [];
        for (let round = 0; round < 200; round++) {
          const rows = [];
          for (let i = 0; i < 20000; i++) rows.push({ pid: i, name: 'p' + i });
          kept.push(rows);
          if (kept.length > 2) kept.shift();
        }
        console.log(getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size / 1048576);`], { encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr).toBe('');
      return Number(run.stdout.trim());
    };
    const unasked = newSpaceMb(false);
    expect(unasked).toBeGreaterThanOrEqual(16);
    // Asked, V8 11 (Node 20) keeps it near its start (1-2 MB), far from the 16 MB it doubles to
    // unasked. V8 12 and later (Node 22, 24) still let it grow for a while before shrinking it back:
    // after these 200 rounds Node 24 had 1-12 MB in 50 runs here and 19 MB once in CI, against the
    // 128 MB it reaches unasked; a quarter of that is its bound.
    const v8Major = Number(process.versions.v8.split('.')[0]);
    expect(newSpaceMb(true)).toBeLessThanOrEqual(v8Major <= 11 ? 8 : unasked / 4);
  }, 120_000);
});
