// npm run docs: writes the reference made from the code (src/reference.ts): docs/columns.md from the panel
// definitions, and the README's usage block from the option table. test/unit/reference.test.ts fails when they are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { columnsMarkdown, readmeWithUsage } = await import('../src/reference.ts');
const { PANELS } = await import('../src/panels/registry.ts');
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const write = (rel, text) => {
  const p = path.join(root, rel);
  let old = '';
  try {
    old = readFileSync(p, 'utf8');
  } catch {
    /* new */
  }
  if (old === text) return console.log(`${rel}: up to date`);
  writeFileSync(p, text);
  console.log(`${rel}: written`);
};
write('docs/columns.md', columnsMarkdown(PANELS));
write(
  'README.md',
  readmeWithUsage(
    readFileSync(path.join(root, 'README.md'), 'utf8'),
    PANELS.map((p) => p.id),
  ),
);
