import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditLogPath, createFileAuditSink, readRecentActions, type AuditRecord } from '../src/storage/audit-log.js';

function record(n: number): AuditRecord {
  return {
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    user: 'root',
    uid: 0,
    sudoUser: null,
    proctopPid: 4242,
    action: n % 2 === 0 ? 'kill' : 'terminate-tree',
    signal: 15,
    killSignal: n % 2 === 0 ? null : 9,
    targets: [{ pid: 1000 + n, startTime: 5000 + n, comm: `c${n}`, outcome: 'sent', reason: null }],
    summary: `action ${n}`,
    warnings: [],
  };
}

describe('audit log', () => {
  it("lives under the effective user's $XDG_STATE_HOME, else <passwd home>/.local/state (a relative XDG value is ignored, per the spec)", () => {
    const own = mkdtempSync(join(tmpdir(), 'proctop-xdg-'));
    const root = { euid: process.geteuid!(), lookupAccount: () => ({ uid: 0, name: 'me', home: '/home/me' }) };
    expect(auditLogPath({ ...root, env: { XDG_STATE_HOME: own } })).toBe(join(own, 'proctop', 'actions.jsonl'));
    expect(auditLogPath({ ...root, env: { HOME: '/elsewhere' } })).toBe('/home/me/.local/state/proctop/actions.jsonl');
    expect(auditLogPath({ ...root, env: { XDG_STATE_HOME: 'relative/dir' } })).toBe('/home/me/.local/state/proctop/actions.jsonl');
  });

  it('appends one snake_case JSON line per action, private to the user, and reads it back', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'proctop-audit-')), 'proctop', 'actions.jsonl');
    const sink = createFileAuditSink(path);
    expect(await sink.append(record(1))).toBeNull();
    expect(await sink.append(record(2))).toBeNull();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-01-01T00:00:01.000Z',
      user: 'root',
      uid: 0,
      sudo_user: null,
      proctop_pid: 4242,
      action: 'terminate-tree',
      signal: 15,
      kill_signal: 9,
      targets: [{ pid: 1001, start_time: 5001, comm: 'c1', outcome: 'sent', reason: null }],
      summary: 'action 1',
      warnings: [],
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(await readRecentActions(10, path)).toEqual([record(1), record(2)]);
  });

  it('returns the newest records oldest-first, skipping damaged lines', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'proctop-audit-')), 'actions.jsonl');
    const sink = createFileAuditSink(path);
    for (let n = 0; n < 8; n++) await sink.append(record(n));
    appendFileSync(path, '{"half a line\n');
    await sink.append(record(8));
    const recent = await readRecentActions(3, path);
    expect(recent.map((r) => r.summary)).toEqual(['action 6', 'action 7', 'action 8']);
  });

  it('reads only the tail of a large log, starting at a whole line', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'proctop-audit-')), 'actions.jsonl');
    const filler = `${JSON.stringify({ time: 'x', action: 'kill', targets: [], summary: 'f'.repeat(1000) })}\n`;
    writeFileSync(path, filler.repeat(700));
    await createFileAuditSink(path).append(record(9));
    const recent = await readRecentActions(1000, path);
    expect(recent.at(-1)).toEqual(record(9));
    expect(recent.length).toBeLessThan(700);
    expect(recent.length).toBeGreaterThan(400);
  });

  it('gives a warning instead of failing when the log cannot be written', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'proctop-audit-')), 'plain-file');
    writeFileSync(file, '');
    const warning = await createFileAuditSink(join(file, 'proctop', 'actions.jsonl')).append(record(1));
    expect(warning).toMatch(/^audit log not written \(.*plain-file\/proctop\/actions\.jsonl\): /);
  });

  it('reads a missing log as no history', async () => {
    expect(await readRecentActions(5, join(tmpdir(), 'proctop-no-such-dir', 'actions.jsonl'))).toEqual([]);
  });
});
