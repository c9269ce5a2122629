/** Record layouts as user space decodes them, written once, checked against the object's BTF in tests. */

export interface FieldLayout {
  offset: number;
  size: number;
}

export interface RecordLayout {
  /** the C struct name in bpf/<stem>.h */
  struct: string;
  size: number;
  fields: Record<string, FieldLayout>;
}

export function u64(buf: Buffer, base: number, f: FieldLayout): bigint {
  return buf.readBigUInt64LE(base + f.offset);
}
export function u32(buf: Buffer, base: number, f: FieldLayout): number {
  return buf.readUInt32LE(base + f.offset);
}
export function u16(buf: Buffer, base: number, f: FieldLayout): number {
  return buf.readUInt16LE(base + f.offset);
}
export function bytes(buf: Buffer, base: number, f: FieldLayout): Buffer {
  return buf.subarray(base + f.offset, base + f.offset + f.size);
}
/** A NUL-terminated C string (comm): decoded as UTF-8 with replacement characters. */
export function cString(buf: Buffer, base: number, f: FieldLayout): string {
  const b = bytes(buf, base, f);
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}

/** Checks a buffer holds whole records of this layout; throws a one-line error otherwise. */
export function checkSize(layout: RecordLayout, length: number, count: number, what: string): void {
  if (length !== layout.size * count) {
    throw new Error(`${what}: ${length} bytes for ${count} × struct ${layout.struct} (${layout.size} bytes each)`);
  }
}
