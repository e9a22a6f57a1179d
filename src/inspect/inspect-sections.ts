// The human form of an inspection: titled sections of (label, value) rows, shared by
// `proctop inspect` on a terminal and the TUI's details view. Values are raw text here; whoever
// prints them passes them through the one sanitizer.
import { formatBytes, formatCpuTime } from '../output/format.js';
import { describeFdState, describeFdTarget } from '../fds/describe-fd.js';
import { FD_KINDS, fdCountsByKind } from '../fds/fd-counts.js';
import { CAPABILITY_NAMES } from '../sys/inspect-types.js';
import type { IdSet, LineageEntry, ProcessInspection } from '../sys/types.js';
import type { InspectView } from './inspect-document.js';
import { discloseEnvironment } from './redact.js';

/** One titled block of rows. */
export interface InspectSection {
  readonly title: string;
  readonly rows: readonly (readonly [label: string, value: string])[];
}

/** Section titles in display order (the TUI jumps between them). */
export const SECTION_TITLES = ['Identity', 'Program', 'Environment', 'Limits', 'CPU', 'Memory', 'I/O', 'Security', 'Namespaces', 'Cgroup', 'Threads', 'Open files'] as const;

function bytes(value: number | null): string | null {
  return value === null ? null : `${formatBytes(value)} (${value} bytes)`;
}

function ids(set: IdSet | null): string | null {
  return set === null ? null : `real ${set.real}  effective ${set.effective}  saved ${set.saved}  fs ${set.filesystem}`;
}

function lineage(entries: readonly LineageEntry[], separator: string): string {
  return entries.map((e) => `${e.pid} ${e.comm}`).join(separator);
}

/** The sections for one inspection. `view` says how much environment and fd detail to show. */
export function inspectSections(inspection: ProcessInspection, view: InspectView): InspectSection[] {
  /** A null field's text: why it is missing, from fieldErrors (the field or a sub-field of it). */
  const missing = (field: string): string => {
    const error = inspection.fieldErrors.find((e) => e.field === field || e.field.startsWith(`${field}.`) || field.startsWith(`${e.field}.`));
    if (!error) return '-';
    if (error.code === 'EACCES') return 'no access (run as the owner or root)';
    if (error.code === 'EXITED') return 'unread: the process exited';
    return `unavailable (${error.message})`;
  };
  const value = (text: string | null, field: string): string => text ?? missing(field);
  const { identity: id, program: p, cpu, memory: m, io, security: s, cgroup } = inspection;

  const exeNote = p.exeStatus === 'deleted' ? '  [deleted: no file at this path any more]' : p.exeStatus === 'replaced' ? '  [replaced: the path now names another file]' : '';
  const hashRows: [string, string][] = [];
  if (p.sha256 !== null || inspection.fieldErrors.some((e) => e.field.startsWith('program.sha256'))) {
    hashRows.push(['sha256', value(p.sha256, 'program.sha256')]);
    const atPath = p.pathSha256 === null ? (p.exeStatus === 'deleted' ? 'no file at the exe path' : missing('program.path_sha256')) : p.sameAsPath ? 'same as the running binary' : `differs: ${p.pathSha256}`;
    hashRows.push(['file at path', atPath]);
  }

  const env = inspection.environment;
  const envRows: [string, string][] =
    env === null
      ? [['variables', missing('environment')]]
      : view.disclosure === 'names'
        ? [['names', env.length === 0 ? '(empty)' : env.map((e) => e.name).join(' ')], ['values', 'hidden (--env-values shows them, secret-looking ones redacted)']]
        : discloseEnvironment(env, view.disclosure).map((e) => [e.name, e.value ?? '']);

  const limitText = (v: number | 'unlimited'): string => String(v);
  const caps = s.capabilities;
  const capText = (names: readonly string[] | undefined): string => {
    if (names === undefined) return missing('security.capabilities');
    if (names.length === 0) return '(none)';
    const all = CAPABILITY_NAMES.every((name) => names.includes(name));
    return `${all ? `all ${names.length}: ` : ''}${names.map((n) => n.replace(/^CAP_/, '').toLowerCase()).join(' ')}`;
  };

  const fds = inspection.fds;
  const counts = fds === null ? null : fdCountsByKind({ fds });
  const fdRows: [string, string][] =
    fds === null
      ? [['open fds', missing('fds')]]
      : view.fds
        ? fds.map((e) => [String(e.fd), `${e.kind}  ${describeFdTarget(e)}${describeFdState(e) ? `  ${describeFdState(e)}` : ''}`])
        : [['open fds', `${fds.length}: ${FD_KINDS.filter((k) => (counts?.[k] ?? 0) > 0).map((k) => `${counts?.[k]} ${k}`).join(', ') || 'none'}`]];

  const sections: InspectSection[] = [
    {
      title: 'Identity',
      rows: [
        ['pid', String(id.pid)],
        ['started', `${Number.isFinite(id.startTimeMs) ? new Date(id.startTimeMs).toISOString() : '?'}  (${id.startTime} ticks after boot)`],
        ['boot id', value(id.bootId, 'identity.boot_id')],
        ['ppid pgid sid', `${id.ppid}  ${id.pgid}  ${id.sid}`],
        ['tty', id.ttyNr === 0 ? 'none' : `device ${id.ttyNr}`],
        ...(id.ancestors ? [['parents', id.ancestors.length === 0 ? '(none)' : lineage(id.ancestors, ' ← ')] as [string, string]] : []),
        ...(id.children ? [['children', id.children.length === 0 ? '(none)' : lineage(id.children, ', ')] as [string, string]] : []),
      ],
    },
    {
      title: 'Program',
      rows: [
        ['command', p.argv.length > 0 ? p.argv.join(' ') : `[${p.comm}] (no command line)`],
        ['comm', p.comm],
        ['exe', `${value(p.exe, 'program.exe')}${exeNote}`],
        ...hashRows,
        ['cwd', value(p.cwd, 'program.cwd')],
        ['root', value(p.root, 'program.root')],
      ],
    },
    { title: 'Environment', rows: envRows },
    {
      title: 'Limits',
      rows: inspection.limits === null ? [['limits', missing('limits')]] : inspection.limits.map((l) => [l.name, `soft ${limitText(l.soft)}  hard ${limitText(l.hard)}${l.unit ? `  ${l.unit}` : ''}`]),
    },
    {
      title: 'CPU',
      rows: [
        ['time', `user ${formatCpuTime(cpu.userSeconds)}  system ${formatCpuTime(cpu.systemSeconds)}`],
        ['nice priority', `${cpu.nice}  ${cpu.priority}`],
        ['policy', cpu.policy === null ? '-' : `${cpu.policy}${cpu.rtPriority ? ` (rt priority ${cpu.rtPriority})` : ''}`],
        ['affinity', cpu.affinity ?? '-'],
        ['ctx switches', cpu.voluntaryCtxSwitches === null ? '-' : `voluntary ${cpu.voluntaryCtxSwitches}  involuntary ${cpu.involuntaryCtxSwitches}`],
        ['last CPU', cpu.processor === null ? '-' : String(cpu.processor)],
        ['threads', String(cpu.threads)],
      ],
    },
    {
      title: 'Memory',
      rows: [
        ['RSS', `${bytes(m.rssBytes)}${m.rssAnonBytes !== null ? `  anon ${formatBytes(m.rssAnonBytes)} file ${formatBytes(m.rssFileBytes ?? 0)} shmem ${formatBytes(m.rssShmemBytes ?? 0)}` : ''}`],
        ['USS', value(bytes(m.ussBytes), 'memory.smaps_rollup')],
        ['PSS', value(bytes(m.pssBytes), 'memory.smaps_rollup')],
        ['swap', value(bytes(m.swapBytes), 'memory.smaps_rollup')],
        ['virtual', `${formatBytes(m.vmSizeBytes)}${m.vmPeakBytes !== null ? `  peak ${formatBytes(m.vmPeakBytes)}` : ''}${m.vmHwmBytes !== null ? `  RSS peak ${formatBytes(m.vmHwmBytes)}` : ''}`],
        ['page faults', `minor ${m.minorFaults}  major ${m.majorFaults}`],
        ['OOM', `score ${value(m.oomScore === null ? null : String(m.oomScore), 'memory.oom_score')}  adj ${value(m.oomScoreAdj === null ? null : String(m.oomScoreAdj), 'memory.oom_score_adj')}`],
      ],
    },
    {
      title: 'I/O',
      rows:
        io === null
          ? [['io', missing('io')]]
          : [
              ['storage', `read ${bytes(io.readBytes)}  written ${bytes(io.writeBytes)}  cancelled ${formatBytes(io.cancelledWriteBytes)}`],
              ['syscalls', `read ${io.readSyscalls} (${formatBytes(io.readChars)})  write ${io.writeSyscalls} (${formatBytes(io.writeChars)})`],
            ],
    },
    {
      title: 'Security',
      rows: [
        ['uids', value(ids(s.uids), 'status')],
        ['gids', value(ids(s.gids), 'status')],
        ['groups', s.groups === null ? '-' : s.groups.length === 0 ? '(none)' : s.groups.join(' ')],
        ['cap effective', capText(caps?.effective)],
        ['cap permitted', capText(caps?.permitted)],
        ['cap bounding', capText(caps?.bounding)],
        ['no_new_privs', s.noNewPrivs === null ? '-' : s.noNewPrivs ? 'yes' : 'no'],
        ['seccomp', s.seccomp ?? '-'],
      ],
    },
    {
      title: 'Namespaces',
      rows:
        inspection.namespaces === null
          ? [['namespaces', missing('namespaces')]]
          : inspection.namespaces.map((n) => [
              n.type,
              `${n.inode ?? missing('namespaces')}  ${n.differsFromInit === null ? "(PID 1's unknown)" : n.differsFromInit ? 'DIFFERS from PID 1' : 'same as PID 1'}`,
            ]),
    },
    {
      title: 'Cgroup',
      rows:
        cgroup === null
          ? [['cgroup', missing('cgroup')]]
          : [
              ['path', cgroup.path],
              ['unit', cgroup.unit ?? '-'],
              ['slice', cgroup.slice ?? '-'],
              ['container', cgroup.containerId === null ? '-' : `${cgroup.containerRuntime ?? ''} ${cgroup.containerId}`.trim()],
              ['memory.max', value(cgroup.memoryMax, 'cgroup.memory_max')],
              ['cpu.max', value(cgroup.cpuMax, 'cgroup.cpu_max')],
            ],
    },
  ];
  if (inspection.threads !== null || inspection.fieldErrors.some((e) => e.field === 'threads')) {
    sections.push({
      title: 'Threads',
      rows: inspection.threads === null ? [['threads', missing('threads')]] : inspection.threads.map((t) => [String(t.tid), `${t.state}  ${formatCpuTime(t.cpuSeconds)}  ${t.name}`]),
    });
  }
  sections.push({ title: 'Open files', rows: fdRows });
  return sections;
}
