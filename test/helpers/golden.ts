/** Golden text files: compared exactly; SIXTY_UPDATE_GOLDEN=1 rewrites them (review the diff before committing). */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '..', 'views', 'golden');

export function assertGolden(name: string, actual: string): void {
  const file = join(DIR, `${name}.txt`);
  const text = `${actual.replace(/[ \t]+$/gm, '')}\n`;
  if (process.env.SIXTY_UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) assert.fail(`golden file ${file} is missing`);
    writeFileSync(file, text);
    return;
  }
  assert.equal(text, readFileSync(file, 'utf8'), `golden ${name} differs (SIXTY_UPDATE_GOLDEN=1 to accept)`);
}
