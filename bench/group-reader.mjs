// First snapshots read back to back, for the snapshot section's scheduling-group rounds
// (bench/snapshot.mjs, schedulingGroupRounds): run as a child of the bench
// (`node bench/group-reader.mjs LIB_PATH PROC_ROOT`), it says "reading" on stdout once its first
// read starts, reads until its stdin closes, then writes how many snapshots it read and how many
// processes they listed.
import { pathToFileURL } from 'node:url';

/**
 * Reads first snapshots of procRoot (a fresh native collector each, reading on its thread in this
 * process: where the child runs is what the rounds compare, so no reader process of its own)
 * until stop() says so; returns how many, and how many processes they listed in all.
 */
export async function readFirstSnapshots(lib, procRoot, stop) {
  let count = 0;
  let processes = 0;
  while (!stop()) {
    const collector = lib.createNativeCollector(procRoot, { readerProcess: false });
    if (typeof collector === 'string') throw new Error(`native addon unavailable: ${collector}`);
    processes += (await collector.snapshot()).processes.length;
    count++;
  }
  return { count, processes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [libPath, procRoot = '/proc'] = process.argv.slice(2);
  const lib = await import(pathToFileURL(libPath).href);
  let stopped = false;
  // The bench closes stdin to stop it, and a bench that died closes it too.
  process.stdin.on('end', () => (stopped = true));
  process.stdin.on('error', () => (stopped = true));
  process.stdin.resume();
  process.stdout.write('reading\n');
  const { count, processes } = await readFirstSnapshots(lib, procRoot, () => stopped);
  process.stdout.write(`${count} ${processes}\n`);
  process.exit(0);
}
