// The typed library API: the same engine the CLI uses.
export type * from './sys/types.js';
export { createCollector, createJsCollector, createNativeCollector } from './sys/collector.js';
export type { CollectorOptions, CollectorChoice, BackendName } from './sys/collector.js';
export { parseDuration, formatDuration } from './util/duration.js';
export { snapshot } from './sampler/one-shot.js';
export { Sampler, cpuBusyPercent, countTasks } from './sampler/sampler.js';
export { identityKey } from './sampler/types.js';
export type { IdentityKey, ProcessRow, SampledFrame, TaskCounts } from './sampler/types.js';
export { JsSnapshotReader } from './sys/js/snapshot.js';
export type { JsSnapshotReaderOptions } from './sys/js/snapshot.js';
