import { writeFileAtomically } from './atomic-write.js';

/**
 * Writes an exposition for node_exporter's textfile collector: a temp file beside PATH, fsynced,
 * renamed over PATH (write-file-atomic), so the collector never reads half a file. Mode 0644:
 * node_exporter usually runs as another user and must read it.
 */
export async function writeTextfile(path: string, text: string): Promise<void> {
  await writeFileAtomically(path, text, { mode: 0o644, fsync: true });
}
