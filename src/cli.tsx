#!/usr/bin/env node
// The entry module: it starts the interactive monitor's first snapshot (src/tui/early-start.ts),
// the read its first full frame waits for, and only then loads the rest of the CLI
// (src/cli-run.ts: argv → mode). Each module file loaded before the read starts costs ~1 ms of
// Node's module loader (measured: the nine files this entry used to load statically took ~9 ms),
// so this one imports only the early start and the start-up marks.
import { markStartup } from './util/startup-trace.js';
import { runsMonitor, startEarly } from './tui/early-start.js';

markStartup('cli-evaluated');
const argv = process.argv.slice(2);
// The monitor's first snapshot starts before anything else runs (even Node's stdout stream).
if (runsMonitor(argv[0])) startEarly();
void import('./cli-run.js').then((cli) => cli.main(argv));
