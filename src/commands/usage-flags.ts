// Reads the flags a command takes from its usage text, so completions and the man page follow the
// text help prints instead of a second list that could drift from it.

/** One flag and whether a value follows it. */
export interface UsageFlag {
  /** "--sort" or "-s". */
  readonly name: string;
  /** True when the usage shows a value after it ("--sort COL", "-s, --signal SIG"). */
  readonly takesValue: boolean;
}

const FLAG = /(?<![\w-])(--?[a-zA-Z][\w-]*)(?:[ =](?=±?[A-Z])(±?[A-Z][A-Z_]*))?/g;

/**
 * Flags named in the synopsis lines ("Usage: proctop ...", "proctop ...") and at the head of
 * option lines ("  -s, --signal SIG   text"); flags a description merely mentions are skipped.
 */
export function flagsOf(usage: string): UsageFlag[] {
  const found = new Map<string, boolean>();
  const add = (text: string): void => {
    let group: string[] = [];
    for (const match of text.matchAll(FLAG)) {
      const name = match[1] as string;
      group.push(name);
      const value = match[2] !== undefined;
      // "-s, --signal SIG": every alias of a group takes the value its last spelling shows.
      for (const alias of value ? group : [name]) found.set(alias, (found.get(alias) ?? false) || value);
      const rest = text.slice((match.index ?? 0) + match[0].length);
      if (!/^,\s*-/.test(rest)) group = [];
    }
  };
  for (const line of usage.split('\n')) {
    const trimmed = line.trim();
    if (/^(Usage:\s+)?proctop\b/.test(trimmed)) add(trimmed);
    else if (trimmed.startsWith('-')) add(trimmed.split(/\s{2,}/)[0] ?? '');
  }
  return [...found].map(([name, takesValue]) => ({ name, takesValue }));
}
