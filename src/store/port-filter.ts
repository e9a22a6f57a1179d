// The ":PORT" filter of the process list: "/:5432" keeps the processes holding local port 5432.
// Pure: the port → PIDs lookup itself runs off the JS thread (see tui/inspect-refresher.ts).

/** Processes holding one local TCP/UDP port, as last looked up. */
export interface PortHolders {
  /** The port looked up. */
  readonly port: number;
  /** PIDs holding a socket bound to it (listening, bound or connected from it). */
  readonly pids: ReadonlySet<number>;
}

/** The port of a ":PORT" filter text (1..65535), or null when the text is an ordinary filter. */
export function parsePortFilter(filter: string): number | null {
  const match = /^\s*:(\d{1,5})\s*$/.exec(filter);
  if (!match) return null;
  const port = Number(match[1]);
  return port >= 1 && port <= 65_535 ? port : null;
}

/** Whether a PID passes a port filter: only once the holders of exactly that port are known. */
export function holdsPort(pid: number, port: number, holders: PortHolders | null | undefined): boolean {
  return holders !== null && holders !== undefined && holders.port === port && holders.pids.has(pid);
}
