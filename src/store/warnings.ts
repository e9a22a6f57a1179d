// Which of a refresh's warnings are news: the monitor's status bar and the plain-text --watch say
// each new kind once (the snapshot's warnings come from src/sys: the readers). Pure.

/**
 * What a warning says with its numbers left out ("2 process(es) skipped: permission denied…" and
 * "3 process(es) skipped: …" are one warning whose count moved): a warning is news when its kind is.
 */
export const warningKind = (text: string): string => text.replace(/\d+/g, '#');

/** The warnings of `current` whose kind `previous` did not give. */
export function freshWarnings(previous: readonly string[], current: readonly string[]): string[] {
  const known = new Set(previous.map(warningKind));
  return current.filter((w) => !known.has(warningKind(w)));
}

/** The first warning of `current` whose kind `previous` did not give, with how many more new ones follow. */
export function newWarning(previous: readonly string[], current: readonly string[]): { readonly text: string; readonly more: number } | null {
  const fresh = freshWarnings(previous, current);
  return fresh.length === 0 ? null : { text: fresh[0] as string, more: fresh.length - 1 };
}
