// How `listPorts` names the processes holding a socket when it is given no frame: the fd tables
// are scanned first, then only the holders are read, each record checked against the scan's start.
import { describe, expect, it } from 'vitest';
import { listPorts, RECORD_READS_MAX } from '../src/fds/ports.js';
import type { Collector, NetSocketRecord, ProcessSockets, RawProcess, Snapshot } from '../src/sys/types.js';
import { syntheticRow, syntheticSystem } from './helpers/synthetic-frames.js';

const NETNS = 'net:[4026531840]';
const SYSTEM = syntheticSystem();
/** The clock tick the fake scan starts at (uptime × ticks per second). */
const SCAN_TICKS = SYSTEM.uptimeSeconds * SYSTEM.clockTicks;

function listener(inode: number, port: number): NetSocketRecord {
  return { inode, protocol: 'tcp', localAddress: '127.0.0.1', localPort: port, remoteAddress: '0.0.0.0', remotePort: 0, state: 'LISTEN' } as NetSocketRecord;
}

function process(pid: number, fields: Partial<RawProcess> = {}): RawProcess {
  return syntheticRow({ pid, ...fields });
}

interface FakeCalls {
  snapshots: number;
  records: number[];
}

/** A collector whose scan finds `owners`, whose tables list `sockets`, and whose reads return `processes` (by pid). */
function fakeCollector(owners: readonly ProcessSockets[], sockets: readonly NetSocketRecord[], processes: readonly RawProcess[]): { collector: Collector; calls: FakeCalls } {
  const calls: FakeCalls = { snapshots: 0, records: [] };
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const collector = {
    systemInfo: async () => SYSTEM,
    listSocketOwners: async () => ({ ownNetns: NETNS, processes: owners }),
    listInetSockets: async () => sockets,
    readProcessRecord: async (pid: number) => {
      calls.records.push(pid);
      return byPid.get(pid) ?? null;
    },
    snapshot: async (): Promise<Snapshot> => {
      calls.snapshots += 1;
      return { processes, system: SYSTEM, warnings: ['from the snapshot'] } as unknown as Snapshot;
    },
    processesHidden: async () => false,
  };
  return { collector: collector as unknown as Collector, calls };
}

function holder(pid: number, ...sockets: [number, number][]): ProcessSockets {
  return { pid, netns: NETNS, denied: false, sockets };
}

describe('listPorts without a frame', () => {
  it('reads only the processes holding a listed socket, not a snapshot of all', async () => {
    const { collector, calls } = fakeCollector(
      [holder(10, [501, 3]), holder(11, [777, 4]), holder(12, [502, 5], [502, 6])],
      [listener(501, 8080), listener(502, 9090), { ...listener(777, 5000), state: 'ESTABLISHED' } as NetSocketRecord],
      [process(10, { comm: 'web' }), process(11), process(12, { comm: 'api' })],
    );
    const listing = await listPorts(collector);
    expect(calls.snapshots).toBe(0);
    expect(calls.records.sort()).toEqual([10, 12]); // 11 holds only a connection, which is not listed
    expect(listing.bindings.map((b) => [b.localPort, b.pid, b.startTime, b.comm, b.fds])).toEqual([
      [8080, 10, 1010, 'web', [3]],
      [9090, 12, 1012, 'api', [5, 6]],
    ]);
    expect(listing.warnings).toEqual([]);
  });

  it('shows a socket without a pid when its holder ended, or its pid was reused after the scan began', async () => {
    const { collector } = fakeCollector(
      [holder(20, [601, 3]), holder(21, [602, 3]), holder(22, [603, 3])],
      [listener(601, 7001), listener(602, 7002), listener(603, 7003)],
      // 20 ended (no record); 21 is a new process that started after the scan did; 22 started at the scan's tick.
      [process(21, { startTime: SCAN_TICKS + 1 }), process(22, { startTime: SCAN_TICKS })],
    );
    const listing = await listPorts(collector);
    expect(listing.bindings.map((b) => [b.localPort, b.pid, b.startTime])).toEqual([
      [7001, null, null],
      [7002, null, null],
      [7003, 22, SCAN_TICKS],
    ]);
  });

  it(`takes one snapshot instead when more than ${RECORD_READS_MAX} processes hold listed sockets`, async () => {
    const count = RECORD_READS_MAX + 1;
    const pids = Array.from({ length: count }, (_, i) => 1000 + i);
    const { collector, calls } = fakeCollector(
      pids.map((pid) => holder(pid, [pid * 10, 3])),
      pids.map((pid) => listener(pid * 10, pid)),
      pids.map((pid) => process(pid)),
    );
    const listing = await listPorts(collector);
    expect(calls).toEqual({ snapshots: 1, records: [] });
    expect(listing.bindings.map((b) => b.pid)).toEqual(pids);
    expect(listing.warnings).toEqual(['from the snapshot']);
  });

  it('names holders from the frame on screen when given one, reading nothing', async () => {
    const { collector, calls } = fakeCollector([holder(30, [701, 3]), holder(31, [702, 3])], [listener(701, 6001), listener(702, 6002)], []);
    const frame = { processes: [process(30, { comm: 'shown' })], system: SYSTEM, warnings: [] } as unknown as Snapshot;
    const listing = await listPorts(collector, { snapshot: frame });
    expect(calls).toEqual({ snapshots: 0, records: [] });
    // 31 is not in the frame (started after it): its socket shows without a pid.
    expect(listing.bindings.map((b) => [b.localPort, b.pid, b.comm])).toEqual([
      [6001, 30, 'shown'],
      [6002, null, null],
    ]);
  });
});
