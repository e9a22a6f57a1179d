// Reading what the fds and signal bindings resolve to (native/columns.h): one object of named
// columns, numbers as Float64Arrays (rows of several numbers laid out row after row) and text as
// one string of NUL-ended pieces. The decoders beside this file (native-fds.ts, native-signal.ts)
// turn them into the Collector's records.

/** A binding's result: column name → numbers, NUL-ended text pieces or raw bytes. */
export type PackedColumns = Readonly<Record<string, Float64Array | string | Buffer>>;

/** The number column `name`; a missing one means the addon and this decoder are out of step. */
export function numberColumn(packed: PackedColumns, name: string): Float64Array {
  const column = packed[name];
  if (!(column instanceof Float64Array)) throw new Error(`native addon: no number column "${name}" (addon and decoder out of step: rebuild the addon)`);
  return column;
}

/** The byte column `name`. */
export function byteColumn(packed: PackedColumns, name: string): Buffer {
  const column = packed[name];
  if (!Buffer.isBuffer(column)) throw new Error(`native addon: no byte column "${name}" (addon and decoder out of step: rebuild the addon)`);
  return column;
}

/** The pieces of the text column `name`, in order. */
export function textColumn(packed: PackedColumns, name: string): string[] {
  const column = packed[name];
  if (typeof column !== 'string') throw new Error(`native addon: no text column "${name}" (addon and decoder out of step: rebuild the addon)`);
  if (column === '') return [];
  const pieces = column.split('\0');
  pieces.pop(); // every piece ends with NUL: the last split is the empty rest
  return pieces;
}
