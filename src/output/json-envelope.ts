/** Schema ids of proctop's own JSON outputs (assets/schemas/<name>.schema.json). */
export function schemaId(name: string): string {
  return `urn:proctop:schema:${name}:v1`;
}

/** Platform label used in every JSON output ("linux", "darwin", ...). */
export function platformName(): string {
  return process.platform;
}

// JSON.stringify escapes C0 controls and lone surrogates but writes DEL and C1 controls raw;
// `\u009b` is CSI to a terminal that shows the JSON, so those are escaped too (still exact text).
const RAW_CONTROL = /[\x7f-\x9f]/;
const RAW_CONTROLS = /[\x7f-\x9f]/g;

/** `text` with DEL and C1 controls escaped, as toJsonText does (per character: pieces of a text can be escaped apart). */
export function escapeRawControls(text: string): string {
  return RAW_CONTROL.test(text) ? text.replace(RAW_CONTROLS, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) : text;
}

/** Serialises a command's JSON result the same way everywhere: pretty, trailing newline, no raw control byte. */
export function toJsonText(value: unknown): string {
  return `${escapeRawControls(JSON.stringify(value, null, 2))}\n`;
}

/**
 * toJsonText(value) cut where its top-level field `key` holds a list: what comes before the
 * list's `[` and after its `]`. The items go in between (see jsonListItems).
 */
export function jsonListParts(value: Readonly<Record<string, unknown>>, key: string): { readonly head: string; readonly tail: string } {
  const whole = toJsonText({ ...value, [key]: [] });
  // A raw newline and two spaces then the key: only a top-level field (strings escape newlines,
  // deeper fields are indented more), so the one place.
  const field = `\n  ${JSON.stringify(key)}: `;
  const at = whole.indexOf(`${field}[]`);
  if (at < 0) throw new Error(`jsonListParts: ${key} is not a top-level field`);
  return { head: whole.slice(0, at + field.length), tail: whole.slice(at + field.length + 2) };
}

/** Items as toJsonText writes them inside a top-level field's list: indented, comma-separated, no brackets. */
export function jsonListItems(items: readonly unknown[]): string {
  // Inside [[...]] the items sit two levels deep, as in {"key": [...]}: the same indentation.
  const text = JSON.stringify([items], null, 2);
  return escapeRawControls(text.slice('[\n  [\n'.length, text.length - '\n  ]\n]'.length));
}

/** Items serialised per piece of a long list: how many per piece. */
const LIST_PIECE = 256;

/**
 * Writes toJsonText({ ...value, [key]: items.map(toJson) }) in pieces, byte for byte the same
 * text: a long list never becomes one giant string, and each piece's JSON records die young
 * instead of living until the whole list is serialised.
 */
export function writeJsonList<T>(value: Readonly<Record<string, unknown>>, key: string, items: readonly T[], toJson: (item: T) => unknown, write: (text: string) => void): void {
  if (items.length === 0) return write(toJsonText({ ...value, [key]: [] }));
  const parts = jsonListParts(value, key);
  write(`${parts.head}[\n`);
  for (let start = 0; start < items.length; start += LIST_PIECE) {
    const end = Math.min(items.length, start + LIST_PIECE);
    write(jsonListItems(items.slice(start, end).map(toJson)) + (end < items.length ? ',\n' : ''));
  }
  write(`\n  ]${parts.tail}`);
}
