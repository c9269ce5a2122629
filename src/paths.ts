/** Where sixty's build outputs are, found from this file's own location (source or compiled). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sixty') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the sixty package root');
    dir = up;
  }
}

export const ROOT = findRoot();
export const ADDON_PATH = join(ROOT, 'build', 'Release', 'sixty.node');
export const BPF_DIR = join(ROOT, 'build', 'Release', 'bpf');
export const bpfObjectPath = (stem: string): string => join(BPF_DIR, `${stem}.bpf.o`);
