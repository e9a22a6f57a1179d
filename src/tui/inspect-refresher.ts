// Feeds the drill-down views and the ":PORT" filter from the OS, outside React and off the JS
// thread (listFds, readlink and the port scan are all async). It rides on the sampling loop:
// every frame the monitor store eats is a tick, so pausing the monitor pauses this too.
import { listPorts, pidsHoldingPort, type PortListing } from '../fds/ports.js';
import type { Collector, FdListing, InspectResult, ProcessLink } from '../sys/types.js';
import type { InspectStore } from '../store/inspect-store.js';
import type { MonitorState, MonitorStore } from '../store/monitor-store.js';
import { parsePortFilter } from '../store/port-filter.js';

/** What the refresher reads from the OS (tests inject fakes or spies). */
export interface InspectSources {
  listFds(pid: number): Promise<FdListing>;
  /** Fresh cwd and exe links. */
  readLinks(pid: number): Promise<{ readonly cwd: ProcessLink; readonly exe: ProcessLink }>;
  /** Start time of the PID now (identity re-check), null when gone. */
  readStartTime(pid: number): Promise<number | null>;
  /** Every TCP/UDP socket with its owners; `latest` = the processes of the frame on screen. */
  listPorts(latest: MonitorState['frame']): Promise<PortListing>;
  /** The details view's sections; `deep` adds smaps_rollup and sha256 (read only when asked). */
  inspect(pid: number, startTime: number, deep: boolean): Promise<InspectResult>;
}

/** The real sources for a collector. */
export function collectorSources(collector: Collector): InspectSources {
  return {
    listFds: (pid) => collector.listFds(pid),
    readLinks: async (pid) => {
      const [cwd, exe] = await Promise.all([collector.readLink(pid, 'cwd'), collector.readLink(pid, 'exe')]);
      return { cwd, exe };
    },
    readStartTime: async (pid) => (await collector.readProcess(pid))?.startTime ?? null,
    // Owners are named from the frame on screen: no second snapshot, and the sampler's reader is never shared.
    listPorts: (latest) => listPorts(collector, { all: true, snapshot: latest?.snapshot }),
    // fds are listed above (with pipe peers, for the open-files view); lineage is in the frame.
    inspect: (pid, startTime, deep) => collector.inspect(pid, startTime, { skipFds: true, smaps: deep, sha256: deep, threads: deep }),
  };
}

function isInspecting(s: MonitorState): boolean {
  return s.views.includes('detail') || s.views.includes('fds');
}

/** Keeps the inspect store and the port filter's holders up to date while they are in use. */
export class InspectRefresher {
  private unsubscribe: (() => void) | null = null;
  private fdsInFlight: Promise<void> | null = null;
  private fdsAgain = false;
  private portsInFlight: Promise<void> | null = null;
  private ports: { readonly listing: PortListing; readonly atMs: number } | null = null;

  constructor(
    private readonly monitor: MonitorStore,
    private readonly inspect: InspectStore,
    private readonly sources: InspectSources,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.monitor.subscribe((state, previous) => this.onChange(state, previous));
    const s = this.monitor.getState();
    if (parsePortFilter(s.filter) !== null) this.refreshPorts();
  }

  /** Stops listening; resolves when reads in flight have finished. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await Promise.all([this.fdsInFlight, this.portsInFlight]);
  }

  private onChange(state: MonitorState, previous: MonitorState): void {
    const inspecting = isInspecting(state);
    const target = this.inspect.getState().target;
    if (!inspecting && target) this.inspect.getState().close();
    // A view just opened (or changed): list now, not an interval later.
    if (inspecting && target && state.views !== previous.views) this.refreshFds();
    if (state.frame !== previous.frame && state.frame) this.onFrame(state, inspecting);
    if (state.filter !== previous.filter) this.onFilter(state);
  }

  private onFrame(state: MonitorState, inspecting: boolean): void {
    const i = this.inspect.getState();
    const focus = inspecting && i.target ? i.target.key : state.cursorKey;
    const row = focus === null ? undefined : state.rowsByKey.get(focus);
    // The first frame has no CPU figures yet: it would start the sparkline at a false 0.
    if (row && (state.frame?.intervalMs ?? 0) > 0) i.recordSample(row);
    if (inspecting && i.target) {
      i.observeTarget(row ?? null);
      if (row) this.refreshFds();
    }
    const port = parsePortFilter(state.filter);
    if (port !== null && !this.portsFresh(state)) this.refreshPorts();
  }

  private onFilter(state: MonitorState): void {
    const port = parsePortFilter(state.filter);
    if (port === null) {
      if (state.portHolders !== null) queueMicrotask(() => this.monitor.getState().setPortHolders(null));
      return;
    }
    if (this.ports && this.portsFresh(state)) {
      const listing = this.ports.listing;
      queueMicrotask(() => this.applyPorts(listing));
    } else {
      this.refreshPorts();
    }
  }

  private portsFresh(state: MonitorState): boolean {
    return this.ports !== null && this.now() - this.ports.atMs < state.intervalMs;
  }

  /** Lists the target's fds and links; one read at a time, a request meanwhile runs right after. */
  private refreshFds(): void {
    if (this.fdsInFlight) {
      this.fdsAgain = true;
      return;
    }
    const target = this.inspect.getState().target;
    if (!target || this.inspect.getState().exited) return;
    this.fdsInFlight = (async () => {
      try {
        const detail = this.monitor.getState().views.includes('detail');
        const deep = this.inspect.getState().deepRead;
        const [listing, links, inspected] = await Promise.all([
          this.sources.listFds(target.pid),
          this.sources.readLinks(target.pid),
          detail ? this.sources.inspect(target.pid, target.startTime, deep) : null,
        ]);
        // Re-check the identity after reading: a PID reused meanwhile names another process.
        const startTime = await this.sources.readStartTime(target.pid);
        const i = this.inspect.getState();
        if (i.target?.key !== target.key) return;
        if (startTime !== target.startTime) {
          i.markExited();
          return;
        }
        i.setListing(target.key, listing, this.now());
        i.setLinks(target.key, links);
        if (inspected?.inspection) i.setInspection(target.key, inspected.inspection);
      } catch (error) {
        this.inspect.getState().setListingFailure(target.key, error instanceof Error ? error.message : String(error));
      }
    })().finally(() => {
      this.fdsInFlight = null;
      if (this.fdsAgain && this.unsubscribe) {
        this.fdsAgain = false;
        this.refreshFds();
      }
    });
  }

  /** Looks up every port's holders (at most one scan in flight). */
  private refreshPorts(): void {
    if (this.portsInFlight) return;
    const state = this.monitor.getState();
    const port = parsePortFilter(state.filter);
    if (port === null) return;
    if (state.portHolders?.port !== port) state.showMessage(`looking up processes holding port ${port}…`, undefined, { kind: 'port-lookup', port });
    this.portsInFlight = (async () => {
      try {
        const listing = await this.sources.listPorts(this.monitor.getState().frame);
        this.ports = { listing, atMs: this.now() };
        if (this.unsubscribe) this.applyPorts(listing);
      } catch (error) {
        this.monitor.getState().showMessage(`port lookup failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    })().finally(() => {
      this.portsInFlight = null;
    });
  }

  /** Hands the holders of the filter's current port to the monitor store. */
  private applyPorts(listing: PortListing): void {
    const s = this.monitor.getState();
    const port = parsePortFilter(s.filter);
    if (port === null) return;
    const pids = pidsHoldingPort(listing, port);
    const before = s.portHolders;
    if (before?.port === port && before.pids.size === pids.size && [...pids].every((pid) => before.pids.has(pid))) return;
    s.setPortHolders({ port, pids });
    if (pids.size === 0 && before?.port !== port) s.showMessage(`no process you can see holds port ${port}`, undefined, { kind: 'port-filter', port });
  }
}
