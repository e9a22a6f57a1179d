// The typed library API: the same engine the CLI uses.
export type * from './sys/types.js';
export { createCollector, createJsCollector, createNativeCollector } from './sys/collector.js';
export type { CollectorOptions, CollectorChoice, BackendName } from './sys/collector.js';
export { parseDuration, formatDuration } from './util/duration.js';
