/** Where sixty's build outputs are, found from this file's own location (source or compiled). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function isSixtyRoot(dir: string): boolean {
  try {
    // readFileSync (open), not existsSync (access): access() ignores capabilities such as CAP_DAC_READ_SEARCH.
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'sixty';
  } catch {
    return false;
  }
}

/** The package root. Never throws at import time: without a readable package.json it assumes the usual layout. */
function findRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ;) {
    if (isSixtyRoot(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  // src/paths.ts when run from source, build/js/src/paths.js when compiled.
  return here.endsWith(join('build', 'js', 'src')) ? join(here, '..', '..', '..') : join(here, '..');
}

export const ROOT = findRoot();
export const ADDON_PATH = join(ROOT, 'native', 'build', 'Release', 'sixty.node');
export const BPF_DIR = join(ROOT, 'native', 'build', 'Release', 'bpf');
export const bpfObjectPath = (stem: string): string => join(BPF_DIR, `${stem}.bpf.o`);
