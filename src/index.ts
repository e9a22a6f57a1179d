// The typed library API: the same engine the CLI uses. A deliberate surface: the collector (the
// OS boundary) and its records, the sampler, the actions, fds and ports, storage, metrics, and the
// lineage's one-call listFds / killMany. Backend internals (the JS readers and /proc parsers) and
// test helpers stay private.
export { listFds, killMany, FdListingFailed } from './library.js';
export type { ListFdsOptions, KillManyCallOptions } from './library.js';
export type { KillRecordJson, KillTargetJson } from './commands/kill.js';
export type { FdSnapshotJson, FdJson, SocketJson } from './fds/fd-snapshot-json.js';
export type * from './sys/types.js';
export { createCollector, createJsCollector, createNativeCollector } from './sys/collector.js';
export type { CollectorOptions, CollectorChoice, BackendName } from './sys/collector.js';
export { parseDuration, formatDuration } from './util/duration.js';
export { snapshot } from './sampler/one-shot.js';
export { Sampler, cpuBusyPercent, countTasks } from './sampler/sampler.js';
export { identityKey } from './sampler/types.js';
export type { IdentityKey, ProcessRow, SampledFrame, TaskCounts } from './sampler/types.js';
// The engine behind killMany: targets with identities, injectable dependencies, progress.
export { killMany as killTargets, killExitCode } from './actions/kill-many.js';
export type { KillTarget, KillOutcome, KillTargetResult, KillManyResult, KillManyOptions, KillProgress } from './actions/kill-many.js';
export { terminateTree, planTree, terminateTreeExitCode } from './actions/terminate-tree.js';
export type { TerminateTreeOptions, TerminateTreeResult, TreeProgress, TreePlan, TreeRoot, MemberReport, MemberFate } from './actions/terminate-tree.js';
export { createSystemDeps } from './actions/deps.js';
export type { ActionDeps } from './actions/deps.js';
export { auditLogPath, createFileAuditSink, readRecentActions } from './storage/audit-log.js';
export type { AuditRecord, AuditTarget, AuditSink } from './storage/audit-log.js';
export { ensureStateDir, stateDirPath, stateHome, checkStateDir, openStateFile, StateDirError } from './storage/state-dir.js';
export type { StateDirOptions, StateFileMode } from './storage/state-dir.js';
export { listSignals, parseSignal, signalName } from './actions/signals.js';
export { reniceMany, reniceExitCode, NICE_MIN, NICE_MAX } from './actions/renice.js';
export type { ReniceOutcome, ReniceResult, ReniceTargetResult, NiceChange, ReniceOptions } from './actions/renice.js';
export { stopMany, stopExitCode } from './actions/stop-many.js';
export type { StopOutcome, StopResult, StopTargetResult, StopProgress, StopManyOptions } from './actions/stop-many.js';
export { DEFAULT_LADDER, parseLadder, formatLadder, ladderBoundMs } from './actions/ladder.js';
export type { Ladder, LadderRung } from './actions/ladder.js';
export type { SignalInfo } from './actions/signals.js';
export { refusalFor } from './actions/guards.js';
export type { Refusal } from './actions/guards.js';
export { fdCountsByKind, isFdKind, FD_KINDS } from './fds/fd-counts.js';
export { describeFdTarget, describeFdState, describeSocket, formatEndpoint } from './fds/describe-fd.js';
export { fdSnapshotJson } from './fds/fd-snapshot-json.js';
export { listPorts, pidsHoldingPort } from './fds/ports.js';
export type { PortBinding, PortListing, ListPortsOptions } from './fds/ports.js';
export { MetricsExporter } from './metrics/exporter.js';
export type { MetricsExporterOptions } from './metrics/exporter.js';
export { MetricsLoop } from './metrics/metrics-loop.js';
export { startMetricsServer } from './metrics/http-server.js';
export type { MetricsServer, ScrapeHandler } from './metrics/http-server.js';
export type { ListenAddress } from './metrics/listen-address.js';
export { GroupAccumulator } from './metrics/group-accumulator.js';
export type { CounterBaseline, GroupAccumulatorOptions } from './metrics/group-accumulator.js';
export type { GroupFigures, GroupMember } from './metrics/group-figures.js';
export type { ExpositionFormat } from './metrics/exposition.js';
export type { GroupBy } from './metrics/grouping.js';
