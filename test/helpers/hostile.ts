// A process a hostile local user could start: its argv, comm, an open file's name and the
// command behind a listening socket all carry terminal escape sequences, a UTF-8 C1 control and
// an invalid UTF-8 byte. Tests check what proctop shows of it.
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { startChild } from './children.js';

/** argv[0] as printf writes it (exec -a), then as proctop decodes it, then as a person sees it. */
export const HOSTILE_ARGV0_PRINTF = 'evil\\x1b[31mRED\\x1b]0;pwned\\x07\\x1b[2J\\xc2\\x9b\\xff';
export const HOSTILE_ARGV0 = 'evil\x1b[31mRED\x1b]0;pwned\x07\x1b[2J\u009b\udcff';
export const HOSTILE_ARGV0_SHOWN = 'evil\\x1b[31mRED\\x1b]0;pwned\\x07\\x1b[2J\\xc2\\x9b\\xff';

/** comm (at most 15 bytes): a marker "zq" to find it by, then CSI clear, C1 CSI, 0xff, BEL. */
export const HOSTILE_COMM_BYTES = [0x7a, 0x71, 0x1b, 0x5b, 0x32, 0x4a, 0xc2, 0x9b, 0xff, 0x07];
export const HOSTILE_COMM = 'zq\x1b[2J\u009b\udcff\x07';
export const HOSTILE_COMM_SHOWN = 'zq\\x1b[2J\\xc2\\x9b\\xff\\x07';

/** Name of the file the hostile process holds open (an OSC title change, then 0xff). */
export const HOSTILE_FILE_BYTES = [0x66, 0x1b, 0x5d, 0x30, 0x3b, 0x46, 0x49, 0x4c, 0x45, 0x07, 0xff];
export const HOSTILE_FILE_SHOWN = 'f\\x1b]0;FILE\\x07\\xff';

const SCRIPT = `
const fs = require('fs'), net = require('net'), os = require('os'), path = require('path');
fs.writeFileSync('/proc/self/comm', Buffer.from(${JSON.stringify(HOSTILE_COMM_BYTES)}));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctop-hostile-'));
const file = Buffer.concat([Buffer.from(dir + '/'), Buffer.from(${JSON.stringify(HOSTILE_FILE_BYTES)})]);
fs.openSync(file, 'w');
const server = net.createServer().listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port, dir }) + '\\n');
});
const end = () => { try { fs.rmSync(dir, { recursive: true }); } catch {} process.exit(0); };
process.on('SIGTERM', end);
setTimeout(end, 180000);
`;

/** The running hostile process: its pid, listening port and temp dir. */
export interface HostileProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
}

/** Starts the hostile process (node under a hostile argv[0] via bash's exec -a) and waits until it is ready. */
export async function startHostileProcess(): Promise<HostileProcess> {
  const child = startChild('bash', ['-c', `exec -a "$(printf '${HOSTILE_ARGV0_PRINTF}')" "${process.execPath}" -e "$0"`, SCRIPT], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await Promise.race([
    once(child.stdout!, 'data'),
    new Promise((_, reject) => setTimeout(() => reject(new Error('hostile process not ready within 10 s')), 10_000)),
  ])) as [Buffer];
  const { port } = JSON.parse(line.toString()) as { port: number };
  return { child, pid: child.pid!, port };
}

/** A control character or a lone surrogate: what must never reach a terminal. */
export const FORBIDDEN_ON_SCREEN = /[\x00-\x09\x0b-\x1f\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why these bytes are not safe to show on a terminal, or null: valid UTF-8 without C0 (but \n), DEL or C1. */
export function terminalHazard(bytes: Buffer): string | null {
  if (!isUtf8(bytes)) return 'invalid UTF-8';
  const text = bytes.toString('utf8');
  const match = FORBIDDEN_ON_SCREEN.exec(text);
  return match ? `control U+${(match[0].codePointAt(0) ?? 0).toString(16).padStart(4, '0')} at ${match.index}` : null;
}
