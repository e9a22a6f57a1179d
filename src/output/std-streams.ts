// The process's own stdout and stderr, as every command writes to them.
import { sanitizeLines } from './sanitize.js';

/** Writes to stdout (JSON stays exact; tables are sanitized cell by cell by text-table). Bytes are UTF-8. */
export function writeStdout(text: string | Uint8Array): void {
  process.stdout.write(text);
}

/** Writes human-facing messages to stderr; a control byte in any of them is shown escaped. */
export function writeStderr(text: string): void {
  process.stderr.write(sanitizeLines(text));
}

/** Exit status when the reader of stdout went away (`proctop pstat | head -1`): not a failure. */
export const EXIT_READER_GONE = 0;

/**
 * Ends the process quietly when the reader of stdout or stderr goes away, as other command line
 * tools do on EPIPE (they die of SIGPIPE, which Node ignores): without this, a write after
 * `head` exits raises an unhandled 'error' event and prints a stack trace.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(EXIT_READER_GONE);
      throw error;
    });
  }
}
