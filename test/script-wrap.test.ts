// The build's ES module → classic script transform (scripts/script-wrap.mjs), which lets the CLI's
// main script be compiled with a V8 code cache (src/util/main-script.ts).
import { runInThisContext } from 'node:vm';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script (plain .mjs) without type declarations
import { SCRIPT_PARAMETERS, wrapModuleAsScript } from '../scripts/script-wrap.mjs';

type Wrapped = (...args: unknown[]) => Promise<Record<string, unknown>>;

/** Runs a wrapped script as main-script.ts does, with the given import.meta and import(). */
async function run(source: string, options: { meta?: object; importer?: (specifier: string) => Promise<unknown>; shared?: Record<string, object> } = {}): Promise<Record<string, unknown>> {
  const script = await wrapModuleAsScript(source);
  const fn = runInThisContext(script) as Wrapped;
  const require = createRequire(import.meta.url);
  const shared = options.shared ?? {};
  return fn(require, require, options.importer ?? (async () => ({})), options.meta ?? { url: 'file:///x/cli-main.js' }, '/x/cli-main.js', (path: string) => shared[path]);
}

describe('wrapModuleAsScript', () => {
  it('returns the export list, aliases included, and awaits at the top level', async () => {
    const exports = await run('const a = 1; function f() { return a + 1; } const later = await Promise.resolve(7); export { a, f as g, later };');
    expect(exports.a).toBe(1);
    expect((exports.g as () => number)()).toBe(2);
    expect(exports.later).toBe(7);
    expect(exports.f).toBeUndefined();
  });

  it('gives the script import.meta, import(), require, the built-ins and the shared modules through its parameters', async () => {
    const asked: string[] = [];
    const exports = await run(
      [
        'const os = __proctopBuiltin("node:os");',
        'const shared = __proctopShared("src/x.ts");',
        'const lazy = await import("node:path");',
        'const here = import.meta.url;',
        'export { os, shared, lazy, here };',
      ].join('\n'),
      { meta: { url: 'file:///somewhere/cli-main.js' }, importer: async (specifier) => (asked.push(specifier), { imported: specifier }), shared: { 'src/x.ts': { shared: true } } },
    );
    expect((exports.os as { endianness: () => string }).endianness()).toMatch(/^[BL]E$/);
    expect(exports.shared).toEqual({ shared: true });
    expect(exports.lazy).toEqual({ imported: 'node:path' });
    expect(exports.here).toBe('file:///somewhere/cli-main.js');
    expect(asked).toEqual(['node:path']);
    expect(SCRIPT_PARAMETERS).toEqual(['require', '__proctopBuiltin', '__proctopImport', '__proctopImportMeta', '__proctopFilename', '__proctopShared']);
  });

  it('runs in strict mode, as a module would', async () => {
    await expect(run('undeclared = 1; export { };')).rejects.toThrow(ReferenceError);
    const exports = await run('const self = this; export { self };');
    expect(exports.self).toBeUndefined();
  });

  it('refuses a static import (the bundle must bring everything it needs) and keeps no module syntax', async () => {
    await expect(wrapModuleAsScript('import { readFileSync } from "node:fs"; export { readFileSync };')).rejects.toThrow(/may not import statically/);
    await expect(wrapModuleAsScript('import "./side-effect.js";')).rejects.toThrow(/may not import statically/);
    const script = await wrapModuleAsScript('#!/usr/bin/env node\nconst x = import.meta.url; const y = () => import("./lazy.js"); export { x, y };');
    expect(script).not.toMatch(/import\.meta|\bimport\(|^#!/);
    expect(script.startsWith('(async function(')).toBe(true);
  });
});
