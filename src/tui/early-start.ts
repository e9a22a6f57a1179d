// The interactive monitor's first snapshot, started as soon as the CLI knows it runs the monitor
// on a terminal, before the monitor's own modules (options, config, React, Ink) load. The first
// CPU figures need a second snapshot a fixed gap after the first (FIRST_FOLLOW_UP_MS in
// sampling-loop.ts), so each millisecond the first one starts earlier is one off the first full
// frame. The monitor takes the started work over (takeEarlyStart) or, when none was started (its
// main called directly, stdout not a terminal), starts nothing here and samples as before.
import { createCollector, type CollectorChoice } from '../sys/collector.js';
import { Sampler } from '../sampler/sampler.js';
import type { FrameSource } from '../sampler/types.js';
import { primedSource } from './sampling-loop.js';

/** The monitor's collector and its sampler, whose first sample is already under way. */
export interface EarlyStart {
  readonly choice: CollectorChoice;
  /** The sampler; its first sample() answers with the snapshot started early. */
  readonly source: FrameSource;
  /** performance.now() when the first sample was started. */
  readonly startedAt: number;
}

/** A started early start, or why the collector could not be made (thrown again where the monitor makes it). */
type Started = { readonly start: EarlyStart } | { readonly error: unknown };

let started: Started | null = null;

/** Starts the first snapshot now, if the monitor will draw on a terminal (stdout is one) and it has not been started. */
export function startEarly(): void {
  if (started !== null || process.stdout.isTTY !== true) return;
  try {
    const choice = createCollector();
    const primed = primedSource(new Sampler(choice.collector));
    started = { start: { choice, source: primed.source, startedAt: primed.startedAt } };
  } catch (error) {
    // PROCTOP_BACKEND names an unknown backend, or native was asked for and is missing: the
    // monitor reports it after its own usage checks, as it would without the early start.
    started = { error };
  }
}

/** Hands the early start over once (null when none was started); throws the collector's error if making it failed. */
export function takeEarlyStart(): EarlyStart | null {
  const taken = started;
  started = null;
  if (taken === null) return null;
  if ('error' in taken) throw taken.error;
  return taken.start;
}
