// The pure parsers behind Collector.readExtras and inspect: cgroup paths as systemd and the
// container runtimes write them, /proc/PID/io and the status lines.
import { describe, expect, it } from 'vitest';
import { describeCgroupPath, unifiedCgroupPath } from '../src/sys/js/cgroup.js';
import { parseFdSoftLimit, parseIdSet, parseIo, parseKeyValueLines, STATUS_EXTRAS_KEYS, statusExtras } from '../src/sys/js/proc-status.js';
import { limitsText } from './helpers/proc-fixture.js';
import { capabilityNames, parseLimits, policyName, seccompMode, smapsFigures } from '../src/sys/js/inspect-parsers.js';
import { discloseEnvironment, isSecretName, SECRET_NAME_PARTS } from '../src/inspect/redact.js';

const ID = '0123456789abcdef'.repeat(4);

describe('describeCgroupPath', () => {
  it.each([
    ['/', { unit: null, slice: null, containerId: null, containerRuntime: null }],
    ['/user.slice/user-1000.slice/session-2.scope', { unit: 'session-2.scope', slice: 'user-1000.slice', containerId: null, containerRuntime: null }],
    ['/system.slice/nginx.service', { unit: 'nginx.service', slice: 'system.slice', containerId: null, containerRuntime: null }],
    ['/system.slice/app.service/worker', { unit: 'app.service', slice: 'system.slice', containerId: null, containerRuntime: null }],
    [`/system.slice/docker-${ID}.scope`, { unit: `docker-${ID}.scope`, slice: 'system.slice', containerId: ID, containerRuntime: 'docker' }],
    [`/docker/${ID}`, { unit: null, slice: null, containerId: ID, containerRuntime: 'docker' }],
    [`/system.slice/containerd.service/cri-containerd-${ID}.scope`, { unit: `cri-containerd-${ID}.scope`, containerId: ID, containerRuntime: 'containerd' }],
    [`/machine.slice/libpod-${ID}.scope/container`, { unit: `libpod-${ID}.scope`, slice: 'machine.slice', containerId: ID, containerRuntime: 'podman' }],
    [`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`, { slice: 'user.slice', containerId: ID, containerRuntime: 'podman' }],
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice/cri-containerd-${ID}.scope`, { slice: 'kubepods-burstable-pod1234_5678.slice', containerId: ID, containerRuntime: 'kubepods' }],
    [`/kubepods/burstable/pod1234-5678/${ID}`, { unit: null, containerId: ID, containerRuntime: 'kubepods' }],
    [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podabc.slice/crio-${ID}.scope`, { containerId: ID, containerRuntime: 'kubepods' }],
    ['/my/own/group', { unit: null, slice: null, containerId: null, containerRuntime: null }],
  ])('%s', (path, expected) => {
    expect(describeCgroupPath(path)).toMatchObject({ path, ...expected });
  });

  it('takes the "0::" line and ignores v1 hierarchies; null on a v1-only system', () => {
    expect(unifiedCgroupPath('12:pids:/a\n1:name=systemd:/b\n0::/c d\n')).toBe('/c d');
    expect(unifiedCgroupPath('4:memory:/x\n')).toBeNull();
  });
});

describe('proc key-value parsers', () => {
  it('parses /proc/PID/io and refuses a truncated one', () => {
    expect(parseIo('rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 6\ncancelled_write_bytes: 7\n')).toEqual({
      readChars: 1,
      writeChars: 2,
      readSyscalls: 3,
      writeSyscalls: 4,
      readBytes: 5,
      writeBytes: 6,
      cancelledWriteBytes: 7,
    });
    expect(parseIo('rchar: 1\nwchar: 2\n')).toBeNull();
  });

  it('reads switches, swap and the four ids from status; no VmSwap means null swap', () => {
    const text = 'Name:\tx: y\nUid:\t1000\t1001\t1002\t1003\nGid:\t10\t11\t12\t13\nVmRSS:\t   13396 kB\nVmSwap:\t   12 kB\nvoluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t6\n';
    const fields = parseKeyValueLines(text);
    expect(fields.get('Name')).toBe('x: y');
    expect(statusExtras(fields)).toEqual({
      voluntaryCtxSwitches: 5,
      involuntaryCtxSwitches: 6,
      swapBytes: 12 * 1024,
      rssBytes: 13_396 * 1024,
      uids: { real: 1000, effective: 1001, saved: 1002, filesystem: 1003 },
      gids: { real: 10, effective: 11, saved: 12, filesystem: 13 },
    });
    expect(statusExtras(parseKeyValueLines(text.replace(/VmSwap.*\n/, '')))?.swapBytes).toBeNull();
    expect(statusExtras(parseKeyValueLines('Name:\tx\n'))).toBeNull();
  });
});

describe('inspect parsers', () => {
  it('parses /proc/PID/limits by its fixed columns (names with spaces, no unit, unlimited)', () => {
    const text = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max cpu time              unlimited            unlimited            seconds   ',
      'Max open files            1024                 524288               files     ',
      'Max nice priority         0                    0                    ',
      'Max realtime timeout      unlimited            unlimited            us        ',
      '',
    ].join('\n');
    expect(parseLimits(text)).toEqual([
      { name: 'Max cpu time', soft: 'unlimited', hard: 'unlimited', unit: 'seconds' },
      { name: 'Max open files', soft: 1024, hard: 524_288, unit: 'files' },
      { name: 'Max nice priority', soft: 0, hard: 0, unit: '' },
      { name: 'Max realtime timeout', soft: 'unlimited', hard: 'unlimited', unit: 'us' },
    ]);
  });

  it('names capability bits, unknown ones as CAP_N', () => {
    expect(capabilityNames('0000000000000000')).toEqual([]);
    expect(capabilityNames('0000000000003000')).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(capabilityNames('0000020000000001')).toEqual(['CAP_CHOWN', 'CAP_41']);
    expect(capabilityNames('zz')).toBeNull();
  });

  it('computes USS as Private_Clean + Private_Dirty + Private_Hugetlb from smaps_rollup', () => {
    const fields = parseKeyValueLines('Rss:  100 kB\nPss:   60 kB\nPrivate_Clean:  10 kB\nPrivate_Dirty:  30 kB\nPrivate_Hugetlb: 2 kB\nSwap: 5 kB\nSwapPss: 4 kB\n');
    expect(smapsFigures(fields)).toEqual({ rssBytes: 100 * 1024, ussBytes: 42 * 1024, pssBytes: 60 * 1024, swapBytes: 5 * 1024, swapPssBytes: 4 * 1024 });
  });

  it('names policies and seccomp modes', () => {
    expect([0, 1, 2, 3, 5, 6, 9].map(policyName)).toEqual(['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_IDLE', 'SCHED_DEADLINE', 'SCHED_9']);
    expect(['0', '1', '2', undefined].map(seccompMode)).toEqual(['disabled', 'strict', 'filter', null]);
  });
});

describe('environment disclosure', () => {
  const env = [
    { name: 'API_TOKEN', value: 's3cr3t' },
    { name: 'HOME', value: '/root' },
    { name: 'ssh_auth_sock', value: '/tmp/agent' },
    { name: 'MY_PRIVATE_THING', value: 'x' },
    { name: 'KEYBOARD', value: 'us' },
  ];

  it('treats every listed part as secret, case-insensitively, as a substring', () => {
    for (const part of SECRET_NAME_PARTS) expect(isSecretName(`x_${part.toLowerCase()}_y`)).toBe(true);
    expect(isSecretName('HOME')).toBe(false);
  });

  it('shows names only, then values with secrets redacted, then everything only when unredacted', () => {
    expect(discloseEnvironment(env, 'names').every((e) => e.value === null)).toBe(true);
    expect(discloseEnvironment(env, 'values').map((e) => e.value)).toEqual(['[redacted]', '/root', '[redacted]', '[redacted]', '[redacted]']);
    expect(discloseEnvironment(env, 'unredacted').map((e) => e.value)).toEqual(env.map((e) => e.value));
  });
});

describe('the status and limits parsers the batch extras lean on', () => {
  const STATUS = [
    'Name:\tsleep',
    'Umask:\t0022',
    'State:\tS (sleeping)',
    'Uid:\t1000\t1000\t1000\t1000',
    'Gid:\t100\t100\t100\t100',
    'VmRSS:\t    1404 kB',
    'VmSwap:\t       0 kB',
    'Cpus_allowed_list:\t0-1',
    'voluntary_ctxt_switches:\t7',
    'nonvoluntary_ctxt_switches:\t0',
  ].join('\n');

  it.each([
    ['a kernel status', `${STATUS}\n`],
    ['no final newline', STATUS],
    ['a later duplicate wins', `${STATUS}\nVmRSS:\t 2 kB\n`],
    ['a key as a prefix of another and a colon in a value', 'VmRSSx:\t9 kB\nUid: a:b\nVmRSS:  3 kB \n:\tnothing\n\nGid'],
    ['empty', ''],
  ])('parseKeyValueLines reads %s line by line, and with keys keeps exactly those', (_name, text) => {
    // The plain reading: split on newlines, each line at its first colon.
    const byLines = new Map<string, string>();
    for (const line of text.split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) byLines.set(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    const all = parseKeyValueLines(text);
    expect(all).toEqual(byLines);
    const wanted = new Map([...byLines].filter(([key]) => STATUS_EXTRAS_KEYS.includes(key)));
    expect(parseKeyValueLines(text, STATUS_EXTRAS_KEYS)).toEqual(wanted);
    expect(statusExtras(parseKeyValueLines(text, STATUS_EXTRAS_KEYS))).toEqual(statusExtras(all));
  });

  it.each([
    ['1000\t1000\t1000\t1000', { real: 1000, effective: 1000, saved: 1000, filesystem: 1000 }],
    ['0\t65534\t4294967294\t7', { real: 0, effective: 65534, saved: 4294967294, filesystem: 7 }],
    ['  1 2   3 4  ', { real: 1, effective: 2, saved: 3, filesystem: 4 }],
    ['1\t2\t3', null],
    ['1\t2\t3\tx', null],
    ['1.5\t2\t3\t4', null],
    [undefined, null],
  ])('parseIdSet(%j)', (text, ids) => {
    expect(parseIdSet(text)).toEqual(ids);
  });

  it('parseFdSoftLimit finds the line wherever it is, and says when it is missing', () => {
    const kernel = limitsText('65536', '524288');
    expect(parseFdSoftLimit(kernel)).toBe(65536);
    expect(parseFdSoftLimit(kernel.slice(kernel.indexOf('Max open files')))).toBe(65536);
    expect(parseFdSoftLimit(limitsText('unlimited', 'unlimited'))).toBeNull();
    expect(parseFdSoftLimit('Max open files            1024                 4096                 files')).toBe(1024);
    expect(parseFdSoftLimit('Limit  Soft Limit\nMax processes 10 10 processes\n')).toBeUndefined();
    expect(parseFdSoftLimit('x Max open files 5\n')).toBeUndefined();
    expect(parseFdSoftLimit('Max open files  lots\n')).toBeUndefined();
  });
});
