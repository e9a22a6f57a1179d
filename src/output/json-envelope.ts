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

/** Serialises a command's JSON result the same way everywhere: pretty, trailing newline, no raw control byte. */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value, null, 2);
  return `${RAW_CONTROL.test(text) ? text.replace(RAW_CONTROLS, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) : text}\n`;
}
