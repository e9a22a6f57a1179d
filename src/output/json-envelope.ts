/** Schema ids of proctop's own JSON outputs (assets/schemas/<name>.schema.json). */
export function schemaId(name: string): string {
  return `urn:proctop:schema:${name}:v1`;
}

/** Platform label used in every JSON output ("linux", "darwin", ...). */
export function platformName(): string {
  return process.platform;
}

/** Serialises a command's JSON result the same way everywhere: pretty, trailing newline. */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
