import { describe, expect, it } from 'vitest';
import { describeFdTarget, formatEndpoint } from '../src/fds/describe-fd.js';
import { fdCountsByKind } from '../src/fds/fd-counts.js';
import { classifyFdTarget, parseFdInfo } from '../src/sys/js/fds.js';
import {
  decodeIpv4Hex,
  decodeIpv6Hex,
  formatIpv6,
  parseInetTable,
  parseNetlinkTable,
  parseUnixTable,
} from '../src/sys/js/net.js';
import type { FdEntry } from '../src/sys/types.js';

// Captured from a real kernel (x86-64, little-endian) with known sockets.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1076 1 00000000f94b3180 100 0 0 10 0
   1: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 55123 1 0000000000000000 20 4 30 10 -1
   2: 020200C0:DDA0 507100CB:0050 06 00000000:00000000 03:00000FB3 00000000     0        0 0 3 000000007c2c893d
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 7001 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7002 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:B2C4 01 00000000:00000000 00:00000000 00000000  1000        0 7003 1 0000000000000000 20 4 30 10 -1
   3: 000080FE00000000FF030000AB89D2FE:0222 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 7004 2 0000000000000000 0
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 8001 2 0000000000000000 0
  456: 0100007F:C350 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000        0 8002 2 0000000000000000 0
`;
const UNIX = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01  9001 /run/dbus/system_bus_socket
0000000000000000: 00000003 00000000 00000000 0001 03  9002
0000000000000000: 00000002 00000000 00000000 0002 01  9003 @/tmp/.X11-unix/X0
0000000000000000: 00000002 00000000 00000000 0001 01 19004 /tmp/dir with spaces/s.sock
`;
const NETLINK = `sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
0000000053607e09 0   0          00000000 0        0        0     2        0        4
00000000164bfb3e 15  1234       00000001 0        0        0     2        0        565
`;

describe('/proc/net address decoding', () => {
  it('reads IPv4 words in host byte order (little-endian here)', () => {
    expect(decodeIpv4Hex('0100007F', true)).toBe('127.0.0.1');
    expect(decodeIpv4Hex('020200C0', true)).toBe('192.0.2.2');
    expect(decodeIpv4Hex('00000000', true)).toBe('0.0.0.0');
  });

  it('reads the same text as a big-endian kernel would mean it', () => {
    expect(decodeIpv4Hex('7F000001', false)).toBe('127.0.0.1');
    expect(decodeIpv6Hex('00000000000000000000000000000001', false)).toBe('::1');
  });

  it('reads IPv6 as four host-order words: ::1, ::, v4-mapped, link-local', () => {
    expect(decodeIpv6Hex('00000000000000000000000001000000', true)).toBe('::1');
    expect(decodeIpv6Hex('00000000000000000000000000000000', true)).toBe('::');
    expect(decodeIpv6Hex('0000000000000000FFFF00000100007F', true)).toBe('::ffff:127.0.0.1');
    expect(decodeIpv6Hex('000080FE00000000FF030000AB89D2FE', true)).toBe('fe80::3ff:fed2:89ab');
  });

  it('formats IPv6 like inet_ntop: longest zero run, no run of one, leftmost on ties', () => {
    const bytes = (words: number[]): number[] => words.flatMap((w) => [w >> 8, w & 0xff]);
    expect(formatIpv6(bytes([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]))).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6(bytes([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]))).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6(bytes([1, 0, 0, 0, 0, 0, 0, 0]))).toBe('1::');
    expect(formatIpv6(bytes([0, 0, 0, 0, 0, 0, 0x0102, 0x0304]))).toBe('::1.2.3.4');
  });
});

describe('parseInetTable', () => {
  it('parses tcp: listener, established connection, TIME_WAIT without an inode', () => {
    expect(parseInetTable(TCP, 'tcp')).toEqual([
      { inode: 1076, protocol: 'tcp', localAddress: '0.0.0.0', localPort: 2024, remoteAddress: '0.0.0.0', remotePort: 0, state: 'LISTEN', unixPath: null, netlinkProtocol: null },
      { inode: 55123, protocol: 'tcp', localAddress: '127.0.0.1', localPort: 40000, remoteAddress: '127.0.0.1', remotePort: 8080, state: 'ESTABLISHED', unixPath: null, netlinkProtocol: null },
      { inode: 0, protocol: 'tcp', localAddress: '192.0.2.2', localPort: 56736, remoteAddress: '203.0.113.80', remotePort: 80, state: 'TIME_WAIT', unixPath: null, netlinkProtocol: null },
    ]);
  });

  it('parses tcp6', () => {
    const rows = parseInetTable(TCP6, 'tcp6');
    expect(rows.map((r) => [r.inode, r.localAddress, r.localPort, r.remoteAddress, r.remotePort, r.state])).toEqual([
      [7001, '::1', 8080, '::', 0, 'LISTEN'],
      [7002, '::', 22, '::', 0, 'LISTEN'],
      [7003, '::ffff:127.0.0.1', 8080, '::ffff:127.0.0.1', 45764, 'ESTABLISHED'],
      [7004, 'fe80::3ff:fed2:89ab', 546, '::', 0, 'CLOSE'],
    ]);
  });

  it('parses udp: state 07 is UNCONN, 01 a connected socket', () => {
    expect(parseInetTable(UDP, 'udp')).toEqual([
      { inode: 8001, protocol: 'udp', localAddress: '127.0.0.53', localPort: 53, remoteAddress: '0.0.0.0', remotePort: 0, state: 'UNCONN', unixPath: null, netlinkProtocol: null },
      { inode: 8002, protocol: 'udp', localAddress: '127.0.0.1', localPort: 50000, remoteAddress: '127.0.0.1', remotePort: 53, state: 'ESTABLISHED', unixPath: null, netlinkProtocol: null },
    ]);
  });

  it('skips the header, blank and malformed lines', () => {
    expect(parseInetTable('header\n\n  0: garbage\n', 'tcp')).toEqual([]);
  });
});

describe('parseUnixTable and parseNetlinkTable', () => {
  it('parses unix sockets: listening, connected without path, abstract, path with spaces', () => {
    expect(parseUnixTable(UNIX).map((r) => [r.inode, r.state, r.unixPath])).toEqual([
      [9001, 'LISTEN', '/run/dbus/system_bus_socket'],
      [9002, 'CONNECTED', null],
      [9003, 'UNCONNECTED', '@/tmp/.X11-unix/X0'],
      [19004, 'UNCONNECTED', '/tmp/dir with spaces/s.sock'],
    ]);
    expect(parseUnixTable(UNIX)[0]).toMatchObject({ protocol: 'unix', localAddress: null, localPort: null });
  });

  it('parses netlink inodes from the last column and names the protocol (Eth) as lsof does', () => {
    expect(parseNetlinkTable(NETLINK).map((r) => [r.inode, r.protocol, r.netlinkProtocol])).toEqual([
      [4, 'netlink', 'ROUTE'],
      [565, 'netlink', 'KOBJECT_UEVENT'],
    ]);
  });
});

describe('fd target classification and fdinfo', () => {
  it('classifies every kind of readlink target', () => {
    expect(classifyFdTarget('socket:[123]')).toMatchObject({ kind: 'socket', inode: 123 });
    expect(classifyFdTarget('pipe:[77]')).toMatchObject({ kind: 'pipe', inode: 77 });
    expect(classifyFdTarget('anon_inode:[eventfd]')).toMatchObject({ kind: 'anon', anonType: 'eventfd' });
    expect(classifyFdTarget('anon_inode:inotify')).toMatchObject({ kind: 'anon', anonType: 'inotify' });
    expect(classifyFdTarget('/var/log/x.log (deleted)')).toMatchObject({ kind: 'file', path: '/var/log/x.log', deletedSuffix: true, memfd: false });
    expect(classifyFdTarget('/memfd:shm (deleted)')).toMatchObject({ kind: 'file', path: '/memfd:shm', memfd: true });
    expect(classifyFdTarget('mnt:[4026531841]')).toMatchObject({ kind: 'unknown', inode: null });
  });

  it('reads pos and the access mode from fdinfo flags (octal)', () => {
    expect(parseFdInfo('pos:\t10\nflags:\t0100000\nmnt_id:\t1\n')).toEqual({ mode: 'r', position: 10 });
    expect(parseFdInfo('pos:\t0\nflags:\t02000001\n')).toEqual({ mode: 'w', position: 0 });
    expect(parseFdInfo('pos:\t99999999999\nflags:\t0100002\n')).toEqual({ mode: 'rw', position: 99999999999 });
    expect(parseFdInfo('')).toEqual({ mode: null, position: null });
  });
});

describe('fd helpers for views', () => {
  const base: FdEntry = { fd: 3, kind: 'file', path: '/tmp/a', deleted: false, memfd: false, mode: 'r', position: 0, inode: null, anonType: null, socket: null, pipePeers: null };

  it('counts fds by kind with every kind present', () => {
    expect(fdCountsByKind({ fds: [base, { ...base, fd: 4 }, { ...base, fd: 5, kind: 'pipe' }] })).toEqual({ file: 2, socket: 0, pipe: 1, anon: 0, unknown: 0 });
  });

  it('describes endpoints, sockets, deleted files and pipe peers', () => {
    expect(formatEndpoint('0.0.0.0', 80)).toBe('*:80');
    expect(formatEndpoint('::1', 443)).toBe('[::1]:443');
    expect(describeFdTarget({ ...base, deleted: true })).toBe('/tmp/a (deleted)');
    const socket = { protocol: 'tcp' as const, localAddress: '127.0.0.1', localPort: 5000, remoteAddress: '127.0.0.1', remotePort: 40000, state: 'ESTABLISHED', unixPath: null, netlinkProtocol: null };
    expect(describeFdTarget({ ...base, kind: 'socket', socket })).toBe('tcp 127.0.0.1:5000->127.0.0.1:40000');
    expect(describeFdTarget({ ...base, kind: 'pipe', path: 'pipe:[9]', pipePeers: [{ pid: 12, comm: 'cat', fd: 0, mode: 'r' }] })).toBe('pipe:[9] <-> cat[12]:0r');
  });
});
