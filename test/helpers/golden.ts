/**
 * Golden text files: compared exactly. A missing or different golden fails the test; SIXTY_UPDATE_GOLDEN=1 writes
 * them on purpose (review the diff before committing).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '..', 'views', 'golden');

export function assertGolden(name: string, actual: string): void {
  const file = join(DIR, `${name}.txt`);
  const text = `${actual.replace(/[ \t]+$/gm, '')}\n`;
  if (process.env.SIXTY_UPDATE_GOLDEN === '1') {
    writeFileSync(file, text);
    return;
  }
  if (!existsSync(file)) assert.fail(`golden file ${file} is missing (SIXTY_UPDATE_GOLDEN=1 writes it)`);
  assert.equal(text, readFileSync(file, 'utf8'), `golden ${name} differs (SIXTY_UPDATE_GOLDEN=1 to accept)`);
}
