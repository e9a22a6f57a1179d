/** Splits /proc/PID/cmdline on NUL; a trailing NUL does not make an empty last argument. */
export function parseCmdline(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}
