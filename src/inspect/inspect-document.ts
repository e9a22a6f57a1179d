// The `proctop inspect --json` document: ProcessInspection in snake_case, with the environment
// disclosed as asked and fds either as `proctop fds` records or as counts by kind.
import { fdCountsByKind } from '../fds/fd-counts.js';
import { fdJson, type FdJson } from '../fds/fd-snapshot-json.js';
import { platformName, schemaId } from '../output/json-envelope.js';
import type { FdKind, LineageEntry, ProcessInspection } from '../sys/types.js';
import { discloseEnvironment, type EnvDisclosure, type ShownEnvEntry } from './redact.js';

/** What the user asked inspect to show. */
export interface InspectView {
  readonly disclosure: EnvDisclosure;
  /** Full fd records instead of counts. */
  readonly fds: boolean;
}

/** One JSON-ready value: the records of src/sys with snake_case keys. */
type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * camelCase keys → snake_case, deeply. Only for records whose keys are field names (never data:
 * environment names, limits and namespaces are arrays of rows for that reason).
 */
export function snakeKeys(value: unknown): Json {
  if (value === null || typeof value !== 'object') return value as Json;
  if (Array.isArray(value)) return value.map(snakeKeys);
  const out: Record<string, Json> = {};
  for (const [key, field] of Object.entries(value)) out[snakeCase(key)] = snakeKeys(field);
  return out;
}

function lineageJson(entries: readonly LineageEntry[] | null): Json {
  return entries === null ? null : entries.map((e) => ({ pid: e.pid, start_time_ticks: e.startTime, comm: e.comm }));
}

/** A warning line for each field that could not be read, naming it and why. */
export function fieldWarnings(inspection: ProcessInspection): string[] {
  const warnings = inspection.fieldErrors.map((e) => `${e.field}: ${e.message}`);
  if (inspection.exitedDuringRead) warnings.unshift(`process ${inspection.identity.pid} exited during the read: fields read after it went are null`);
  return warnings;
}

export interface InspectDocument {
  readonly schema_id: string;
  readonly timestamp: string;
  readonly platform: string;
  readonly [section: string]: unknown;
}

/** Builds the document; `extraWarnings` (backend notice) come first. */
export function inspectDocument(inspection: ProcessInspection, view: InspectView, extraWarnings: readonly string[] = [], now = new Date()): InspectDocument {
  const id = inspection.identity;
  const environment: { disclosure: EnvDisclosure; variables: ShownEnvEntry[] } | null =
    inspection.environment === null ? null : { disclosure: view.disclosure, variables: discloseEnvironment(inspection.environment, view.disclosure) };
  const fds: FdJson[] | null = view.fds && inspection.fds !== null ? inspection.fds.map(fdJson) : null;
  const fdCounts: Record<FdKind, number> | null = inspection.fds === null ? null : fdCountsByKind({ fds: inspection.fds });
  return {
    schema_id: schemaId('inspect'),
    timestamp: now.toISOString(),
    platform: platformName(),
    identity: {
      pid: id.pid,
      start_time_ticks: id.startTime,
      start_time_unix_ms: Number.isFinite(id.startTimeMs) ? Math.round(id.startTimeMs) : null,
      start_time: Number.isFinite(id.startTimeMs) ? new Date(id.startTimeMs).toISOString() : null,
      boot_id: id.bootId,
      ppid: id.ppid,
      pgid: id.pgid,
      sid: id.sid,
      tty_nr: id.ttyNr,
      ancestors: lineageJson(id.ancestors),
      children: lineageJson(id.children),
    },
    program: snakeKeys(inspection.program),
    environment,
    limits: snakeKeys(inspection.limits),
    cpu: snakeKeys(inspection.cpu),
    memory: snakeKeys(inspection.memory),
    io: snakeKeys(inspection.io),
    security: snakeKeys(inspection.security),
    namespaces: snakeKeys(inspection.namespaces),
    cgroup: snakeKeys(inspection.cgroup),
    threads: snakeKeys(inspection.threads),
    fd_counts: fdCounts,
    fds,
    field_errors: snakeKeys(inspection.fieldErrors),
    exited_during_read: inspection.exitedDuringRead,
    warnings: [...extraWarnings, ...fieldWarnings(inspection)],
  };
}
