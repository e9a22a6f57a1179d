// Listen addresses of the metrics endpoint. Kept apart from the HTTP server so that parsing the
// monitor's flags does not load node:http.

/** Where to listen. */
export interface ListenAddress {
  /** Host or IP; '127.0.0.1' unless the user named another. */
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_LISTEN = '127.0.0.1:9256';

/**
 * Parses --listen / --metrics: "HOST:PORT", "[IPv6]:PORT", ":PORT" (every interface, as Go's
 * exporters read it) or "PORT" (loopback). Returns an error text for anything else.
 */
export function parseListenAddress(text: string): ListenAddress | string {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text) ?? (/^(\d{1,5})$/.test(text) ? [text, undefined, '127.0.0.1', text] : null);
  if (!match) return `must be HOST:PORT, [IPv6]:PORT, :PORT or PORT, got "${text}"`;
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port > 65535) return `port must be 0..65535, got "${match[3] ?? ''}"`;
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '::' : host, port };
}

/** True when the address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Human form of an address (IPv6 in brackets). */
export function addressText(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
