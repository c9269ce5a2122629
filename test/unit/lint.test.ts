/** The direction of the arrows is checked by the linter, not just agreed: views take only types from src/. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { ROOT } from '../../src/paths.js';

const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: join(ROOT, 'scripts', 'eslint.config.js') });

async function errors(file: string, code: string): Promise<string[]> {
  const [res] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return res!.messages.map((m) => m.ruleId ?? m.message);
}

test('views/ may import types from src/, never values; only src/cli.ts and src/modes/ import views/', async () => {
  assert.deepEqual(await errors('views/X.tsx', "import type { Frame } from '../src/frame.js';\nexport type F = Frame;\n"), []);
  assert.deepEqual(await errors('views/X.tsx', "import { humanBytes } from '../src/format.js';\nexport const f = humanBytes;\n"), [
    '@typescript-eslint/no-restricted-imports',
  ]);
  assert.deepEqual(await errors('src/engine2.ts', "import { fit } from '../views/cells.js';\nexport const f = fit;\n"), [
    '@typescript-eslint/no-restricted-imports',
  ]);
  assert.deepEqual(await errors('src/cli.ts', "import { fit } from '../views/cells.js';\nexport const f = fit;\n"), []);
  assert.deepEqual(await errors('src/modes/console.ts', "import { fit } from '../../views/cells.js';\nexport const f = fit;\n"), []);
});
