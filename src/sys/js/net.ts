// Parsers for the socket tables under /proc/PID/net/ (tcp, tcp6, udp, udp6, unix, netlink).
// Pure text → records, so fixture text tests them; the native reader follows the same rules.
import { endianness } from 'node:os';
import type { NetSocketRecord, SocketInfo, SocketProtocol } from '../types.js';

/** TCP states by the hex code the kernel prints in the "st" column (include/net/tcp_states.h). */
const TCP_STATES: Readonly<Record<number, string>> = {
  0x01: 'ESTABLISHED',
  0x02: 'SYN_SENT',
  0x03: 'SYN_RECV',
  0x04: 'FIN_WAIT1',
  0x05: 'FIN_WAIT2',
  0x06: 'TIME_WAIT',
  0x07: 'CLOSE',
  0x08: 'CLOSE_WAIT',
  0x09: 'LAST_ACK',
  0x0a: 'LISTEN',
  0x0b: 'CLOSING',
  0x0c: 'NEW_SYN_RECV',
};

/** Names a TCP or UDP state code; UDP uses TCP_CLOSE (7) for "not connected", shown as UNCONN like ss. */
export function inetStateName(code: number, datagram: boolean): string {
  if (datagram) return code === 0x01 ? 'ESTABLISHED' : code === 0x07 ? 'UNCONN' : (TCP_STATES[code] ?? `UNKNOWN(${code})`);
  return TCP_STATES[code] ?? `UNKNOWN(${code})`;
}

/** The kernel prints each 32-bit address word with %08X of its in-memory value: byte order is the host's. */
const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';

function wordBytes(hex: string, littleEndian: boolean): number[] {
  const value = Number.parseInt(hex, 16);
  const bytes = [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
  return littleEndian ? bytes.reverse() : bytes;
}

/** Decodes an 8-hex-digit IPv4 address from /proc/net/tcp or udp ("0100007F" → "127.0.0.1" on x86). */
export function decodeIpv4Hex(hex: string, littleEndian = HOST_IS_LITTLE_ENDIAN): string {
  return wordBytes(hex, littleEndian).join('.');
}

/** Decodes a 32-hex-digit IPv6 address (four host-order words) to its canonical text ("::1"). */
export function decodeIpv6Hex(hex: string, littleEndian = HOST_IS_LITTLE_ENDIAN): string {
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) bytes.push(...wordBytes(hex.slice(i, i + 8), littleEndian));
  return formatIpv6(bytes);
}

/**
 * Formats 16 bytes like inet_ntop(3) (the BIND algorithm glibc and libuv share): the longest run
 * of two or more zero words becomes "::", and ::a.b.c.d / ::ffff:a.b.c.d keep the dotted tail.
 */
export function formatIpv6(bytes: readonly number[]): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase !== -1) {
      if (bestBase === -1 || curLen > bestLen) [bestBase, bestLen] = [curBase, curLen];
      curBase = -1;
    }
  }
  if (curBase !== -1 && (bestBase === -1 || curLen > bestLen)) [bestBase, bestLen] = [curBase, curLen];
  if (bestBase !== -1 && bestLen < 2) bestBase = -1;
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) text += ':';
      continue;
    }
    if (i !== 0) text += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      text += bytes.slice(12, 16).join('.');
      break;
    }
    text += (words[i] ?? 0).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) text += ':';
  return text;
}


function splitFields(line: string): string[] {
  return line.trim().split(/\s+/);
}

/** Parses /proc/net/{tcp,tcp6,udp,udp6}. Lines that do not parse are skipped. */
export function parseInetTable(text: string, protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6'): NetSocketRecord[] {
  const ipv6 = protocol.endsWith('6');
  const datagram = protocol.startsWith('udp');
  const records: NetSocketRecord[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = splitFields(line);
    // sl local rem st queues tr retrnsmt uid timeout inode ...
    if (fields.length < 10) continue;
    const [localHex, localPortHex] = (fields[1] ?? '').split(':');
    const [remoteHex, remotePortHex] = (fields[2] ?? '').split(':');
    const inode = Number(fields[9]);
    if (!localHex || !remoteHex || !localPortHex || !remotePortHex || !Number.isSafeInteger(inode)) continue;
    const decode = ipv6 ? decodeIpv6Hex : decodeIpv4Hex;
    records.push({
      inode,
      protocol,
      localAddress: decode(localHex),
      localPort: Number.parseInt(localPortHex, 16),
      remoteAddress: decode(remoteHex),
      remotePort: Number.parseInt(remotePortHex, 16),
      state: inetStateName(Number.parseInt(fields[3] ?? '0', 16), datagram),
      unixPath: null,
      netlinkProtocol: null,
    });
  }
  return records;
}

/** __SO_ACCEPTCON in the Flags column of /proc/net/unix: the socket is listening. */
const UNIX_ACCEPTCON = 0x10000;
/** socket_state values of the "St" column (include/uapi/linux/net.h). */
const UNIX_STATES: Readonly<Record<number, string>> = {
  0x01: 'UNCONNECTED',
  0x02: 'CONNECTING',
  0x03: 'CONNECTED',
  0x04: 'DISCONNECTING',
};

/** Names a unix socket's state from its Flags and St columns. */
export function unixStateName(flags: number, st: number): string {
  if (flags & UNIX_ACCEPTCON) return 'LISTEN';
  return UNIX_STATES[st] ?? `UNKNOWN(${st})`;
}

/** Parses /proc/net/unix ("Num RefCount Protocol Flags Type St Inode Path"); the path may hold spaces. */
export function parseUnixTable(text: string): NetSocketRecord[] {
  const records: NetSocketRecord[] = [];
  for (const line of text.split('\n').slice(1)) {
    const match = /^\s*\S+:\s+\S+\s+\S+\s+([0-9A-Fa-f]+)\s+\S+\s+([0-9A-Fa-f]+)\s+(\d+)(?: (.*))?$/.exec(line);
    if (!match) continue;
    const path = match[4] ?? '';
    records.push({
      inode: Number(match[3]),
      protocol: 'unix',
      localAddress: null,
      localPort: null,
      remoteAddress: null,
      remotePort: null,
      state: unixStateName(Number.parseInt(match[1] ?? '0', 16), Number.parseInt(match[2] ?? '0', 16)),
      unixPath: path === '' ? null : path,
      netlinkProtocol: null,
    });
  }
  return records;
}

// linux/netlink.h NETLINK_* numbers, named as lsof names them.
const NETLINK_PROTOCOLS: Readonly<Record<number, string>> = {
  0: 'ROUTE', 1: 'UNUSED', 2: 'USERSOCK', 3: 'FIREWALL', 4: 'SOCK_DIAG', 5: 'NFLOG', 6: 'XFRM', 7: 'SELINUX', 8: 'ISCSI',
  9: 'AUDIT', 10: 'FIB_LOOKUP', 11: 'CONNECTOR', 12: 'NETFILTER', 13: 'IP6_FW', 14: 'DNRTMSG', 15: 'KOBJECT_UEVENT',
  16: 'GENERIC', 18: 'SCSITRANSPORT', 19: 'ECRYPTFS', 20: 'RDMA', 21: 'CRYPTO', 22: 'SMC',
};

/** The name of netlink protocol `number` (the "Eth" column of /proc/net/netlink). */
export function netlinkProtocolName(number: number): string {
  return NETLINK_PROTOCOLS[number] ?? `protocol ${number}`;
}

/** Parses /proc/net/netlink ("sk Eth Pid Groups ... Inode"); the inode is the last column. */
export function parseNetlinkTable(text: string): NetSocketRecord[] {
  const records: NetSocketRecord[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = splitFields(line);
    const inode = Number(fields[fields.length - 1]);
    if (fields.length < 10 || !Number.isSafeInteger(inode)) continue;
    records.push({
      inode,
      protocol: 'netlink',
      localAddress: null,
      localPort: null,
      remoteAddress: null,
      remotePort: null,
      state: null,
      unixPath: null,
      netlinkProtocol: netlinkProtocolName(Number(fields[1])),
    });
  }
  return records;
}

/**
 * The socket tables in lookup order (unix first: most common and cheapest; tcp/tcp6 walk whole
 * kernel hash tables, so stopping once every inode is found often skips them).
 */
export const SOCKET_TABLES: readonly {
  readonly file: string;
  readonly protocol: SocketProtocol;
  readonly parse: (text: string) => NetSocketRecord[];
}[] = [
  { file: 'unix', protocol: 'unix', parse: parseUnixTable },
  { file: 'tcp', protocol: 'tcp', parse: (t) => parseInetTable(t, 'tcp') },
  { file: 'tcp6', protocol: 'tcp6', parse: (t) => parseInetTable(t, 'tcp6') },
  { file: 'udp', protocol: 'udp', parse: (t) => parseInetTable(t, 'udp') },
  { file: 'udp6', protocol: 'udp6', parse: (t) => parseInetTable(t, 'udp6') },
  { file: 'netlink', protocol: 'netlink', parse: parseNetlinkTable },
];

/** Strips the inode key off a record, leaving the SocketInfo that FdEntry carries. */
export function toSocketInfo(record: NetSocketRecord): SocketInfo {
  const { inode: _inode, ...info } = record;
  return info;
}
