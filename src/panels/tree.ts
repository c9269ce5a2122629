/**
 * The tree view (`T`, as htop's): a panel's rows ordered parent first, children under it, with the tree drawn before
 * the name column and the sums of each subtree in columns of their own. Siblings keep the order of the sort in use.
 */
import type { AnyPanelSpec, Column, Row, TreeSpec } from './types.js';

export type TreeRow = Row & { tree_prefix: string; tree_depth: number } & Record<string, unknown>;

/** The rows in tree order (every row once; a row whose parent is not listed is a root), with their subtree sums. */
export function treeRows(rows: readonly Row[], tree: TreeSpec<Row>): TreeRow[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const children = new Map<string, Row[]>();
  const roots: Row[] = [];
  for (const r of rows) {
    const p = tree.parent(r);
    // A parent that is the row itself (pid 1's parent 0 is not listed; a loop cannot be drawn) makes a root.
    if (p === null || p === r.id || !byId.has(p)) roots.push(r);
    else {
      let list = children.get(p);
      if (!list) children.set(p, (list = []));
      list.push(r);
    }
  }
  const out: TreeRow[] = [];
  const seen = new Set<string>();
  // Iterative depth-first walk: a deep chain of processes does not overflow the stack.
  const walk = (root: Row): void => {
    const stack: { row: Row; prefix: string; last: boolean; depth: number }[] = [{ row: root, prefix: '', last: true, depth: 0 }];
    while (stack.length) {
      const { row, prefix, last, depth } = stack.pop()!;
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      out.push({ ...(row as Row & Record<string, unknown>), id: row.id, tree_prefix: depth === 0 ? '' : `${prefix}${last ? '└─' : '├─'}`, tree_depth: depth });
      const kids = children.get(row.id) ?? [];
      const next = depth === 0 ? '' : `${prefix}${last ? '  ' : '│ '}`;
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ row: kids[i]!, prefix: next, last: i === kids.length - 1, depth: depth + 1 });
    }
  };
  for (const r of roots) walk(r);
  // Rows in a cycle of parents (none is a root) are drawn from the first of them.
  for (const r of rows) if (!seen.has(r.id)) walk(r);
  // Subtree sums, children before parents: the out order reversed visits every child before its parent.
  const at = new Map(out.map((r, i) => [r.id, i]));
  for (const key of Object.keys(tree.sums)) for (const r of out) r[`sub_${key}`] = typeof r[key] === 'number' ? (r[key] as number) : 0;
  for (let i = out.length - 1; i >= 0; i--) {
    const r = out[i]!;
    const p = tree.parent(r);
    const pi = p === null || p === r.id ? undefined : at.get(p);
    if (pi === undefined || pi >= i) continue;
    for (const key of Object.keys(tree.sums)) (out[pi]![`sub_${key}`] as number) += r[`sub_${key}`] as number;
  }
  return out;
}

/** The widest branch drawn before a name (cells): five levels. */
const MAX_BRANCH = 10;
const branch = (p: string): string => (p.length > MAX_BRANCH ? `…${p.slice(-(MAX_BRANCH - 1))}` : p);

/** The spec of the tree table: the name column drawn after its branch, and a column for each subtree sum after it. */
export function treeSpec(spec: AnyPanelSpec, tree: TreeSpec<Row>): AnyPanelSpec {
  const columns: Column<Row>[] = [];
  for (const c of spec.columns as readonly Column<Row>[]) {
    if (c.key === tree.name) {
      columns.push({
        ...c,
        width: c.width + 8,
        maxWidth: Math.max(c.maxWidth ?? c.width, 40),
        // The branch is what places the row: a name too long for the column loses its end, not its branch.
        keep: 'start',
        // A deep branch is drawn to its last levels (…): the name stays readable on a narrow terminal.
        format: (v, r) => `${branch((r as TreeRow).tree_prefix ?? '')}${c.format(v, r)}`,
      });
      continue;
    }
    columns.push(c);
    const sum = Object.entries(tree.sums).find(([k]) => k === c.key);
    if (sum)
      columns.push({
        ...c,
        key: `sub_${c.key}`,
        title: sum[1],
        help: `${c.title} of the process and all it started (its subtree)`,
        value: (r) => ((r as TreeRow)[`sub_${c.key}`] as number | undefined) ?? null,
        // A sum is a plain figure of the column's unit (not what a row of its own would show, e.g. an ended one's peak).
        format: (v) => c.format(v, { id: '' }),
        perInterval: c.perInterval ?? false,
      });
  }
  return { ...spec, columns, groupings: [] };
}
