// The library as a user imports it: the built package (dist/index.js and its declarations), the
// README's example run as written, and the lineage's listFds / killMany returning the documents
// the JSON Schemas describe.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, killStartedChildren, startChild } from './helpers/children.js';
import { ensureBuilt, repoRoot, runNode } from './helpers/cli.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
const schema = (name: string) => ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'assets', 'schemas', `${name}.schema.json`), 'utf8')));

type Library = typeof import('../src/index.js');
let lib: Library;
let stateHome: string;

beforeAll(async () => {
  await ensureBuilt();
  lib = (await import(join(repoRoot, 'dist', 'index.js'))) as Library;
  stateHome = mkdtempSync(join(tmpdir(), 'proctop-library-'));
  process.env.XDG_STATE_HOME = stateHome;
}, 120_000);
afterEach(killStartedChildren);

/** The first ```ts block of the README's Library section. */
function readmeExample(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Library'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README has no ts example under "## Library"');
  return match[1];
}

describe('the library', () => {
  it("package.json's types point at declarations that exist, and they declare listFds and killMany", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { types: string };
    const declarations = join(repoRoot, pkg.types);
    expect(existsSync(declarations), `${pkg.types} is missing`).toBe(true);
    expect(readFileSync(declarations, 'utf8')).toMatch(/listFds, killMany/);
  });

  it('exports a deliberate surface: no backend internals, no test helpers', () => {
    const names = Object.keys(lib);
    for (const internal of ['JsSnapshotReader', 'listFdsJs', 'decodeIpv4Hex', 'parseInetTable', 'recordingSignaller', 'createSignaller']) {
      expect(names).not.toContain(internal);
    }
    for (const api of ['listFds', 'killMany', 'killTargets', 'createCollector', 'Sampler', 'terminateTree', 'listPorts', 'reniceMany', 'stopMany', 'parseLadder', 'preferShortTimeslice', 'preferSmallHeap', 'sanitizeText']) {
      expect(names).toContain(api);
    }
  });

  it('sanitizeText shows control bytes and undecodable bytes escaped, other text as it was', () => {
    expect(lib.sanitizeText('evil\x1b]0;pwned\x07 näme \udcff')).toBe('evil\\x1b]0;pwned\\x07 näme \\xff');
    expect(lib.sanitizeLines('a\x1b\nb')).toBe('a\\x1b\nb');
  });

  it('runs the README example as written: the fd snapshot of itself, TERM to its two sleepers', async () => {
    const script = join(stateHome, 'readme-example.mjs');
    writeFileSync(script, readmeExample().replace(/from 'proctop'/g, `from ${JSON.stringify(join(repoRoot, 'dist', 'index.js'))}`));
    const run = await runNode([script], { env: { ...process.env, XDG_STATE_HOME: stateHome } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout.trim()) as { fds: number; signal: number; succeeded: number[]; failed: unknown[] };
    expect(printed.signal).toBe(15);
    expect(printed.succeeded).toHaveLength(2);
    expect(printed.failed).toEqual([]);
    expect(printed.fds).toBeGreaterThan(0);
  });

  it('listFds(pid, { kind: "file" }) returns the fd-snapshot document with files only', async () => {
    const snapshot = await lib.listFds(process.pid, { kind: 'file' });
    const validate = schema('fds');
    expect(validate(snapshot), JSON.stringify(validate.errors)).toBe(true);
    expect(snapshot.pid).toBe(process.pid);
    expect(snapshot.fds.length).toBeGreaterThan(0);
    expect(new Set(snapshot.fds.map((fd) => fd.kind))).toEqual(new Set(['file']));
    await expect(lib.listFds(2 ** 22 + 1)).rejects.toMatchObject({ name: 'FdListingFailed', code: 'ENOENT' });
  });

  it('killMany([pid, pid], SIGTERM) takes a name or a number and returns the batch-kill document', async () => {
    const validate = schema('kill');
    const [a, b, c] = [startChild('sleep', ['60']), startChild('sleep', ['60']), startChild('sleep', ['60'])];
    const byName = await lib.killMany([a.pid!, b.pid!], 'SIGTERM');
    expect(validate(byName), JSON.stringify(validate.errors)).toBe(true);
    expect(byName).toMatchObject({ signal_sent: 15, succeeded: [a.pid, b.pid], failed: [] });
    const byNumber = await lib.killMany([c.pid!], 15);
    expect(byNumber).toMatchObject({ signal_sent: 15, succeeded: [c.pid] });
    await expect(lib.killMany([c.pid!], 'SIGNOPE')).rejects.toThrow(/unknown signal/);
    // All or nothing: PID 1 in the batch and nothing goes out. Signal 0 (a probe) even so: a
    // refusal is never tested with a real signal at PID 1.
    const d = startChild('sleep', ['60']);
    const refused = await lib.killMany([d.pid!, 1], 0);
    expect(validate(refused), JSON.stringify(validate.errors)).toBe(true);
    expect(refused).toMatchObject({ refused: true, succeeded: [] });
    expect(await isAlive(d.pid!)).toBe(true);
  });
});
