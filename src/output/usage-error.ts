/** Bad input from the user: printed as one line, exit code 2, nothing changed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit code for invalid input (the seed toolkit's convention). */
export const EXIT_USAGE = 2;
