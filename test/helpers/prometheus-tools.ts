// The real Prometheus parts the metrics tests run against: promtool, prometheus, node_exporter and
// process-exporter from the Debian packages, each on its own free 127.0.0.1 port with temp state,
// never the system services apt may have started. Every wait is bounded.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, waitFor } from './children.js';
import { builtCliPath } from './cli.js';

/** A free TCP port on 127.0.0.1 (bound then released: good enough for a test). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `promtool check metrics` on a text; status 0 means valid and lint-clean. */
export function promtoolCheck(text: string): { readonly status: number | null; readonly output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** GET a URL with a bound; resolves to the status, content type and body. */
export async function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<{ status: number; contentType: string; body: string }> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
}

/** One sample of an exposition. */
export interface ExpositionSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the sample lines of a text exposition (label values unescaped), for assertions. */
export function parseExposition(text: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const nameMatch = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!nameMatch) throw new Error(`unparsable line: ${line}`);
    const name = nameMatch[1] as string;
    let at = name.length;
    const labels: Record<string, string> = {};
    if (line[at] === '{') {
      at += 1;
      while (line[at] !== '}') {
        const key = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
        if (!key) throw new Error(`bad label in: ${line}`);
        at += key[0].length;
        let value = '';
        while (line[at] !== '"') {
          if (line[at] === '\\') {
            const next = line[at + 1];
            value += next === 'n' ? '\n' : next;
            at += 2;
          } else {
            value += line[at];
            at += 1;
          }
          if (at >= line.length) throw new Error(`unterminated label in: ${line}`);
        }
        labels[key[1] as string] = value;
        at += 1;
        if (line[at] === ',') at += 1;
      }
      at += 1;
    }
    samples.push({ name, labels, value: Number(line.slice(at).trim().split(' ')[0]) });
  }
  return samples;
}

/** The value of one series, or undefined. */
export function sampleValue(samples: readonly ExpositionSample[], name: string, labels: Readonly<Record<string, string>>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** A temp dir removed by cleanup(). */
export function tempDir(prefix: string): { readonly path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A program under a name of our choosing: the kernel's comm is the basename of the path given to
 * execve, so a symlink gives our children a group name no other process on the box has.
 */
export function namedProgram(dir: string, name: string, target: string): string {
  const path = join(dir, name);
  symlinkSync(target, path);
  return path;
}

/** A named sleeper (comm = name). */
export function startNamedSleeper(dir: string, name: string, seconds = 300): ChildProcess {
  return startChild(join(dir, name), [String(seconds)]);
}

/**
 * A named bash that spins one core for `burnSeconds` (then idles without children, on a fifo read
 * with a timeout, so its CPU counters stop moving), and exits by itself after `lifeSeconds`.
 */
export function startNamedBurner(dir: string, name: string, burnSeconds: number, lifeSeconds = 180): ChildProcess {
  const fifo = join(dir, `${name}.fifo`);
  spawnSync('mkfifo', [fifo]);
  const script = `end=$((SECONDS+${burnSeconds})); while ((SECONDS < end)); do :; done; exec 3<>"${fifo}"; read -t ${lifeSeconds} -u 3 || true`;
  return startChild(join(dir, name), ['-c', script]);
}

/** A long-running server process of the test, with its output collected. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** SIGTERM, bounded wait, then SIGKILL; resolves to the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

function collect(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
}

function stopper(child: ChildProcess): () => Promise<number | null> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
}

/** Waits (bounded) until url answers 200. */
async function waitUntilServing(url: string, output: () => string, timeoutMs = 30_000): Promise<void> {
  try {
    await waitFor(async () => {
      try {
        return (await httpGet(url, {}, 2000)).status === 200;
      } catch {
        return false;
      }
    }, timeoutMs, 100);
  } catch (err) {
    throw new Error(`${url} never answered: ${String(err)}\n${output()}`);
  }
}

/** `proctop serve-metrics` from the built CLI on a free loopback port; args are appended. */
export async function startServeMetrics(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ServerProcess> {
  const cli = await builtCliPath();
  const child = startChild(process.execPath, [cli, 'serve-metrics', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const output = collect(child);
  const url = await waitFor(() => /serving metrics on (http:\/\/\S+)/.exec(output())?.[1], 30_000).catch((err: unknown) => {
    throw new Error(`serve-metrics did not start: ${String(err)}\n${output()}`);
  });
  return { child, url, output, stop: stopper(child) };
}

/** A real Prometheus scraping `targets` (host:port) every second, with its own temp storage. */
export async function startPrometheus(targets: readonly string[], dir: string): Promise<ServerProcess & { query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> }> {
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    ['global:', '  scrape_interval: 1s', '  scrape_timeout: 900ms', 'scrape_configs:', '  - job_name: proctop', '    static_configs:', `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`, ''].join('\n'),
  );
  const child = startChild(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1h'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = collect(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(`${url}/-/ready`, output, 60_000);
  return {
    child,
    url,
    output,
    stop: stopper(child),
    query: async (expr) => {
      const response = await httpGet(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const parsed = JSON.parse(response.body) as { status: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (parsed.status !== 'success') throw new Error(`query ${expr} failed: ${response.body}`);
      return parsed.data?.result ?? [];
    },
  };
}

/** node_exporter with only the textfile collector, reading `textDir`. */
export async function startNodeExporter(textDir: string): Promise<ServerProcess> {
  const port = await freePort();
  const child = startChild(
    'prometheus-node-exporter',
    [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${textDir}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = collect(child);
  const url = `http://127.0.0.1:${port}/metrics`;
  await waitUntilServing(url, output);
  return { child, url, output, stop: stopper(child) };
}

/** process-exporter with a config file, no smaps, no per-thread families (proctop's family set). */
export async function startProcessExporter(configYaml: string, dir: string): Promise<ServerProcess> {
  const port = await freePort();
  const config = join(dir, 'process-exporter.yml');
  writeFileSync(config, configYaml);
  const child = startChild(
    'prometheus-process-exporter',
    [`-config.path=${config}`, `-web.listen-address=127.0.0.1:${port}`, '-gather-smaps=false', '-threads=false'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = collect(child);
  const url = `http://127.0.0.1:${port}/metrics`;
  await waitUntilServing(url, output);
  return { child, url, output, stop: stopper(child) };
}

/** A comm with invalid UTF-8, a backslash, a quote, a newline and an escape sequence (set by the process itself). */
export const HOSTILE_COMM_BYTES = [0xff, 0xfe, 0x5c, 0x22, 0x0a, 0x1b, 0x5b, 0x33, 0x31, 0x6d];

/**
 * Starts a process that renames itself to the hostile comm followed by `suffix` (up to 5 ASCII
 * characters, so tests running at the same time each see their own); resolves once the kernel shows it.
 * Its group name is hostileGroupName(suffix).
 */
export async function startHostileProcess(suffix: string): Promise<number> {
  const bytes = [...HOSTILE_COMM_BYTES, ...Buffer.from(suffix.slice(0, 5))];
  const script = `require('fs').writeFileSync('/proc/self/comm', Buffer.from(${JSON.stringify(bytes)})); setTimeout(() => {}, 120000);`;
  const child = startChild(process.execPath, ['-e', script]);
  const pid = child.pid as number;
  await waitFor(() => readFileSync(`/proc/${pid}/comm`).includes(0xff));
  return pid;
}


/** The label value proctop writes for startHostileProcess(suffix): every byte visible, as the one sanitizer shows it. */
export function hostileGroupName(suffix: string): string {
  return `\\xff\\xfe\\"\\x0a\\x1b[31m${suffix.slice(0, 5)}`;
}
