/**
 * Recording container 5: an event panel's text columns as references to the text its block has already stored.
 *
 * Beside a Prometheus node_exporter, each scrape opens the same few hundred files in the same order, 5 s after the
 * scrape before: 5 frames and, by column, 20 to 40 KB of JSON back, so deflate's 32 KB window finds little of it. A
 * text column (events by column, persist/frames.ts) is stored as `{ "r": [item...] }`, where an item is
 *
 *   text       new to this column in this block: it is appended to the column's table (its index is the table's length)
 *   a number k the text at index last + 1 + k of the column's table, where last is the index of the item before (-1
 *              before the first): the same texts in the same order as before are all 0, the same text again is -1
 *
 * A table belongs to one panel's field (opensnoop's `path`, execsnoop's `args`, …) and one block: it starts empty at a
 * block's first frame, whose segments stand alone, and a reader rebuilds it by reading the block's frames in order, as
 * it must for their patches. Texts are data from a file: an index outside the table, or a column that resolves to more
 * text than a frame may stand for, is one FormatError line.
 */
import { isObj } from './frames.js';

type Obj = Record<string, unknown>;

/** The mark of a column of references. */
const REFS = 'r';

/** A column's texts stored so far in the block: what the writer has stored, by text. */
type WriterTable = Map<string, number>;

/** What a frame adds to the writer's tables, kept apart until the frame is the one written (commit). */
export type Added = Map<string, string[]>;

/** Whether every item is text (a column that can be stored as references). */
function allText(v: unknown): v is string[] {
  if (!Array.isArray(v) || v.length === 0) return false;
  for (const x of v) if (typeof x !== 'string') return false;
  return true;
}

/** The writer's tables: one per panel and field, emptied at each block's start. */
export class RefWriter {
  private readonly tables = new Map<string, WriterTable>();

  /**
   * `value` (a panel as stored) with its text event columns as references, and the texts it adds. Nothing here changes
   * the tables: `commit` does, once the frame is the one written (a frame may be encoded again as a block's first).
   */
  refer(id: string, value: Obj, block: boolean, added: Added): Obj {
    const ec = value.eventColumns;
    if (!isObj(ec) || !Array.isArray(ec.keys) || !Array.isArray(ec.cols)) return value;
    let cols: unknown[] | undefined;
    for (let j = 0; j < ec.cols.length; j++) {
      const col = ec.cols[j];
      if (!allText(col)) continue;
      const key = `${id}\0${String(ec.keys[j])}`;
      const base = block ? undefined : this.tables.get(key);
      const fresh: string[] = [];
      added.set(key, fresh);
      cols ??= [...ec.cols];
      cols[j] = { [REFS]: referColumn(col, base, fresh) };
    }
    return cols ? { ...value, eventColumns: { ...ec, cols } } : value;
  }

  /**
   * The frame written: its new texts join the tables (a block's first frame empties them first). A panel the frame does
   * not have loses its tables, as a reader's do (a console's panel that left the screen, and came back, starts again).
   */
  commit(added: Added, block: boolean, present: ReadonlySet<string>): void {
    if (block) this.tables.clear();
    for (const key of this.tables.keys()) if (!present.has(key.slice(0, key.indexOf('\0')))) this.tables.delete(key);
    for (const [key, fresh] of added) {
      let t = this.tables.get(key);
      if (!t) this.tables.set(key, (t = new Map()));
      for (const s of fresh) t.set(s, t.size);
    }
  }

  clear(): void {
    this.tables.clear();
  }
}

/** One column as references against the block's table (`base`) and the texts new in this frame (appended to `fresh`). */
function referColumn(col: readonly string[], base: WriterTable | undefined, fresh: string[]): unknown[] {
  const out = new Array<unknown>(col.length);
  const start = base?.size ?? 0;
  const here = new Map<string, number>();
  let last = -1;
  for (let i = 0; i < col.length; i++) {
    const s = col[i]!;
    let at = base?.get(s) ?? here.get(s);
    if (at === undefined) {
      at = start + fresh.length;
      here.set(s, at);
      fresh.push(s);
      out[i] = s;
    } else out[i] = at - last - 1;
    last = at;
  }
  return out;
}

/**
 * A column's table as a reader keeps it: the block's texts so far, in a list that the frames of a block share (each
 * frame knows how much of it is its own: `len`). A frame read again after the one after it appends to a copy.
 */
export interface RefTable {
  readonly list: string[];
  readonly len: number;
}

/** A panel's tables as of one frame, by field. */
export type RefTables = ReadonlyMap<string, RefTable>;

/**
 * `value` (a panel as read) with its columns of references made text again, given its tables as of the frame before
 * (none at a block's first frame), and its tables as of this frame. `budget`: the characters the references may stand
 * for (what is left of the frame's bound); `bad` throws a FormatError naming the frame.
 */
export function resolveRefs(
  value: unknown,
  before: RefTables | undefined,
  budget: number,
  bad: (why: string) => never,
): { value: unknown; tables: RefTables | undefined; chars: number } {
  if (!isObj(value) || !isObj(value.eventColumns)) return { value, tables: before, chars: 0 };
  const ec = value.eventColumns;
  if (!Array.isArray(ec.cols) || !Array.isArray(ec.keys)) return { value, tables: before, chars: 0 };
  let tables: Map<string, RefTable> | undefined;
  let cols: unknown[] | undefined;
  let chars = 0;
  for (let j = 0; j < ec.cols.length; j++) {
    const c = ec.cols[j];
    if (!isObj(c) || !(REFS in c)) continue;
    const items = c[REFS];
    if (!Array.isArray(items)) return bad(`has a damaged event column ${j} (its references are not a list)`);
    const field = String(ec.keys[j]);
    tables ??= new Map(before);
    const t = tables.get(field);
    // A table of the frames before whose list has grown since (this frame read again) is copied, not appended to.
    const list = t === undefined ? [] : t.list.length === t.len ? t.list : t.list.slice(0, t.len);
    const out = new Array<string>(items.length);
    let last = -1;
    for (let i = 0; i < items.length; i++) {
      const x = items[i];
      let s: string;
      if (typeof x === 'string') {
        list.push(x);
        last = list.length - 1;
        s = x;
      } else {
        if (!Number.isSafeInteger(x)) return bad(`has a damaged event column ${j} (reference ${i} is neither text nor a whole number)`);
        const at = last + 1 + (x as number);
        if (at < 0 || at >= list.length) return bad(`has a damaged event column ${j} (reference ${i} is outside its ${list.length} texts)`);
        last = at;
        s = list[at]!;
      }
      chars += s.length;
      if (chars > budget) return bad(`stands for more text than a frame holds (event column ${j})`);
      out[i] = s;
    }
    tables.set(field, { list, len: list.length });
    cols ??= [...ec.cols];
    cols[j] = out;
  }
  if (!cols) return { value, tables: before, chars: 0 };
  return { value: { ...value, eventColumns: { ...ec, cols } }, tables, chars };
}
