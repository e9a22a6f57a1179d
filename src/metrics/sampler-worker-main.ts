// The sampler thread's entry (dist/metrics-worker.js), started by sampler-thread.ts. It makes its
// own collector (the native addon is context-aware: it loads once per thread) and samples until
// told to stop. Anything it throws reaches the serving thread as the worker's 'error' event.
import { parentPort, workerData } from 'node:worker_threads';
import { createCollector } from '../sys/collector.js';
import { runSamplerWorker, type SamplerSettings } from './sampler-worker.js';

if (!parentPort) throw new Error('proctop: metrics-worker.js runs as a worker thread of proctop, not on its own');
await runSamplerWorker(parentPort, workerData as SamplerSettings, createCollector());
