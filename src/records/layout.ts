/**
 * Record layouts: each kernel↔user record is declared once here in TS (field names and kinds, in C order). The
 * offsets come from the loaded object's own BTF when a panel opens (`resolveLayout`), so the C header is the only
 * other place a layout is written. Tests without a kernel use the C ABI's natural layout of the same declaration
 * (`naturalLayout`), and build byte fixtures with `encode`.
 */
import type { StructLayout } from '../native.js';

/** How a field is stored: fixed-width little-endian integers, raw bytes, or a NUL-terminated C string. */
export type FieldKind = 'u8' | 'u16' | 'u32' | 'u64' | { bytes: number } | { cstr: number } | { u64s: number };

export interface RecordDecl {
  /** the C struct name in bpf/<stem>.h */
  struct: string;
  /** every member in C declaration order, explicit padding included, so the natural layout is the compiler's */
  fields: Readonly<Record<string, FieldKind>>;
}

export interface FieldLayout {
  offset: number;
  size: number;
  kind: FieldKind;
}

export interface RecordLayout {
  struct: string;
  size: number;
  fields: Readonly<Record<string, FieldLayout>>;
}

/** A record declaration that does not match the object's BTF: names the struct and the field. */
export class LayoutError extends Error {
  override name = 'LayoutError';
}

export function record(struct: string, fields: Record<string, FieldKind>): RecordDecl {
  return { struct, fields };
}

export function kindSize(k: FieldKind): number {
  if (typeof k !== 'string') return 'bytes' in k ? k.bytes : 'cstr' in k ? k.cstr : k.u64s * 8;
  return k === 'u8' ? 1 : k === 'u16' ? 2 : k === 'u32' ? 4 : 8;
}

function kindAlign(k: FieldKind): number {
  return typeof k === 'string' ? kindSize(k) : 'u64s' in k ? 8 : 1;
}

function kindName(k: FieldKind): string {
  if (typeof k === 'string') return k;
  return 'bytes' in k ? `${k.bytes} bytes` : 'cstr' in k ? `char[${k.cstr}]` : `u64[${k.u64s}]`;
}

/** The layout a C compiler gives the declaration (natural alignment, no packing): for tests without a kernel. */
export function naturalLayout(decl: RecordDecl): RecordLayout {
  let offset = 0;
  let align = 1;
  const fields: Record<string, FieldLayout> = {};
  for (const [name, kind] of Object.entries(decl.fields)) {
    const a = kindAlign(kind);
    align = Math.max(align, a);
    offset = Math.ceil(offset / a) * a;
    fields[name] = { offset, size: kindSize(kind), kind };
    offset += kindSize(kind);
  }
  return { struct: decl.struct, size: Math.ceil(offset / align) * align, fields };
}

/**
 * The declaration placed at the offsets the object's BTF gives. Every declared field must exist with the declared
 * size; anything else is a LayoutError that names the struct and the field (it becomes the panel's error).
 */
export function resolveLayout(decl: RecordDecl, btf: StructLayout): RecordLayout {
  const fields: Record<string, FieldLayout> = {};
  for (const [name, kind] of Object.entries(decl.fields)) {
    const m = btf.members.find((x) => x.name === name);
    if (!m) throw new LayoutError(`struct ${decl.struct} has no field ${name} in the BPF object (the decoder expects ${kindName(kind)})`);
    if (m.size !== kindSize(kind)) {
      throw new LayoutError(`struct ${decl.struct} field ${name} is ${m.size} bytes in the BPF object, the decoder expects ${kindName(kind)}`);
    }
    if (m.offset + m.size > btf.size) throw new LayoutError(`struct ${decl.struct} field ${name} lies outside the struct`);
    fields[name] = { offset: m.offset, size: m.size, kind };
  }
  return { struct: decl.struct, size: btf.size, fields };
}

/** The named field's layout; a missing name is a programming error, caught by the unit tests. */
export function field(layout: RecordLayout, name: string): FieldLayout {
  const f = layout.fields[name];
  if (!f) throw new LayoutError(`struct ${layout.struct} declares no field ${name}`);
  return f;
}

export function u64(buf: Buffer, base: number, f: FieldLayout): bigint {
  return buf.readBigUInt64LE(base + f.offset);
}
/** A u64 as a number: exact below 2^53 (bytes, ns and counts stay far below it), and no BigInt per field. */
export function u64n(buf: Buffer, base: number, f: FieldLayout): number {
  return buf.readUInt32LE(base + f.offset) + buf.readUInt32LE(base + f.offset + 4) * 0x1_0000_0000;
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

export type FieldValue = bigint | number | Buffer | string | readonly (number | bigint)[];

/** One record's bytes from field values (missing fields are zero): the inverse of the decoders, for fixtures. */
export function encode(layout: RecordLayout, values: Readonly<Record<string, FieldValue>>): Buffer {
  const buf = Buffer.alloc(layout.size);
  for (const [name, v] of Object.entries(values)) {
    const f = field(layout, name);
    const k = f.kind;
    if (typeof k === 'string') {
      const n = typeof v === 'bigint' ? v : BigInt(v as number);
      if (k === 'u64') buf.writeBigUInt64LE(n, f.offset);
      else if (k === 'u32') buf.writeUInt32LE(Number(n), f.offset);
      else if (k === 'u16') buf.writeUInt16LE(Number(n), f.offset);
      else buf.writeUInt8(Number(n), f.offset);
    } else if ('u64s' in k) {
      (v as readonly (number | bigint)[]).slice(0, k.u64s).forEach((x, i) => buf.writeBigUInt64LE(BigInt(x), f.offset + i * 8));
    } else {
      const src = typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : Buffer.from([]);
      // A C string keeps room for its NUL, as the kernel's would.
      src.copy(buf, f.offset, 0, Math.min(src.length, 'cstr' in k ? f.size - 1 : f.size));
    }
  }
  return buf;
}

/** Checks a buffer holds whole records of this layout; throws a one-line error otherwise. */
export function checkSize(layout: RecordLayout, length: number, count: number, what: string): void {
  if (length !== layout.size * count) {
    throw new Error(`${what}: ${length} bytes for ${count} × struct ${layout.struct} (${layout.size} bytes each)`);
  }
}

/** A per-CPU array of `{ count: u64 }` counters (summed over CPUs by the addon), by index: the panels' stats maps. */
export function decodeCounterArray(read: { keys: Buffer; values: Buffer; count: number }, stat: RecordLayout, what: string): number[] {
  checkSize(stat, read.values.length, read.count, what);
  const count = field(stat, 'count');
  const out: number[] = [];
  for (let i = 0; i < read.count; i++) out[read.keys.readUInt32LE(i * 4)] = u64n(read.values, i * stat.size, count);
  return out;
}
