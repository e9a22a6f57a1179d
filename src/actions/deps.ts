import { createCollector } from '../sys/collector.js';
import type { Collector, SelfContext } from '../sys/types.js';
import { createFileAuditSink, type AuditSink } from '../storage/audit-log.js';

/**
 * What kill-many, terminate-tree and renice use besides their arguments. Every read of a process
 * and every signal goes through `collector`, the one OS boundary: tests hand in a collector whose
 * signal records instead of sending (test/helpers/recording-collector.ts).
 */
export interface ActionDeps {
  /** The OS boundary: process reads, signals, priorities, system figures. */
  readonly collector: Collector;
  /** proctop's own pid, parent, group and ancestors (what the guards protect). */
  readonly self: SelfContext;
  /** Where each action is recorded; null to keep no record. */
  readonly audit: AuditSink | null;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Real dependencies: the system's collector (native, or the JS fallback), the XDG audit log. */
export async function createSystemDeps(overrides: Partial<ActionDeps> = {}): Promise<ActionDeps> {
  const collector = overrides.collector ?? createCollector().collector;
  return {
    collector,
    self: overrides.self ?? (await collector.selfContext()),
    audit: createFileAuditSink(),
    now: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    ...overrides,
  };
}
