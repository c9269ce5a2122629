/**
 * The Grafana dashboard (docs/grafana/sixty-checklist.json), loaded: a well-formed dashboard whose every query names
 * metrics the endpoint serves, checklist steps that exist and fields those steps have. (test/e2e/prometheus.test.ts runs
 * every query in a real Prometheus scraping sixty.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../src/paths.js';
import { FAMILIES } from '../../src/metrics/families.js';
import { PANELS } from '../../src/panels/registry.js';
import { CHECKLIST_FIELDS, STEP_IDS } from '../../src/models/checklist.js';

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Target[];
  datasource: { type: string; uid: string };
}
interface Dashboard {
  title: string;
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}

const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs', 'grafana', 'sixty-checklist.json'), 'utf8')) as Dashboard;

/** Every family the endpoint serves (sixty's own and each panel's), by name, with its type. */
const served = new Map<string, string>([
  ...Object.values(FAMILIES).map((f) => [f.name, f.type] as [string, string]),
  ...PANELS.flatMap((p) => Object.values(p.metrics?.families ?? {}).map((f) => [f.name, f.type] as [string, string])),
]);

test('the dashboard: a title, a uid, a Prometheus data source and a host to choose, panels that tile 24 columns', () => {
  assert.ok(dashboard.title && /^[a-z0-9-]{1,40}$/.test(dashboard.uid));
  assert.ok(dashboard.schemaVersion >= 36);
  const vars = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  assert.equal(vars.get('datasource')?.type, 'datasource');
  assert.equal(vars.get('instance')?.type, 'query');
  const cells = new Set<string>();
  const ids = new Set<number>();
  for (const p of dashboard.panels) {
    assert.ok(['stat', 'state-timeline', 'timeseries'].includes(p.type), `${p.title}: ${p.type}`);
    assert.ok(!ids.has(p.id), `panel id ${p.id} twice`);
    ids.add(p.id);
    assert.equal(p.datasource.uid, '${datasource}');
    const g = p.gridPos;
    assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `${p.title} off the grid`);
    for (let x = g.x; x < g.x + g.w; x++)
      for (let y = g.y; y < g.y + g.h; y++) {
        assert.ok(!cells.has(`${x},${y}`), `${p.title} overlaps another panel at ${x},${y}`);
        cells.add(`${x},${y}`);
      }
    assert.ok(p.targets.length > 0, `${p.title} has no query`);
    for (const t of p.targets) assert.match(t.expr, /instance=~"\$instance"/, `${p.title}: every query is of the chosen host`);
  }
});

test("the dashboard's queries: every metric one the endpoint serves, every step and field one the checklist has", () => {
  const used = new Set<string>();
  for (const p of dashboard.panels)
    for (const t of p.targets) {
      for (const [name] of t.expr.matchAll(/\bsixty_[a-z0-9_]+\b/g)) {
        const hist = /^(.*)_(bucket|sum|count)$/.exec(name);
        const family = served.has(name) ? name : hist && served.get(hist[1]!) === 'histogram' ? hist[1]! : null;
        assert.ok(family, `${p.title}: ${name} is not served by sixty's /metrics`);
        used.add(family);
        if (hist && family === hist[1]) assert.ok(t.expr.includes('rate('), `${p.title}: a histogram's buckets are read as a rate`);
      }
      for (const [, op, v] of t.expr.matchAll(/\bstep(=~?)"([^"]+)"/g)) {
        const steps = op === '=' ? [v!] : STEP_IDS.filter((s) => new RegExp(`^(?:${v})$`).test(s));
        assert.ok(steps.length > 0 && steps.every((s) => (STEP_IDS as readonly string[]).includes(s)), `${p.title}: step ${v}`);
      }
      for (const [, op, v] of t.expr.matchAll(/\bfield(=~?)"([^"]+)"/g)) {
        // Each alternative names at least one field home's rows have.
        for (const alt of op === '=' ? [v!] : v!.split('|'))
          assert.ok(
            CHECKLIST_FIELDS.some((f) => new RegExp(`^(?:${alt})$`).test(f)),
            `${p.title}: field ${alt} is none of the checklist's`,
          );
      }
    }
  for (const name of ['sixty_check_verdict', 'sixty_check_reading']) assert.ok(used.has(name), `the dashboard shows ${name}`);
});
