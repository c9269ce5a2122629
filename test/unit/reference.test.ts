/** The reference made from the code is the one in the repository: `npm run docs` writes it again when this fails. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { usage } from '../../src/args.js';
import { PANELS } from '../../src/panels/registry.js';
import { ROOT } from '../../src/paths.js';
import { columnsMarkdown, readmeWithUsage } from '../../src/reference.js';

test('docs/columns.md is what the panel definitions make (npm run docs)', () => {
  const made = columnsMarkdown(PANELS);
  assert.equal(readFileSync(join(ROOT, 'docs', 'columns.md'), 'utf8'), made, 'docs/columns.md is stale: run npm run docs');
  for (const def of PANELS) for (const c of def.columns) assert.ok(made.includes(`(\`${c.key}\`)`), `${def.id}.${c.key} is in the reference`);
});

test("the README's usage is the option table, as --help prints it (npm run docs)", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.equal(
    readme,
    readmeWithUsage(
      readme,
      PANELS.map((p) => p.id),
    ),
    "README.md's usage is stale: run npm run docs",
  );
  const help = usage(PANELS.map((p) => p.id));
  for (const line of help.split('\n').filter((l) => /^ {2}(-\w, |\s{4})--/.test(l)))
    assert.ok(readme.includes(line), `the README has --help's line ${JSON.stringify(line)}`);
});
