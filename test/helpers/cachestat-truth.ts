/**
 * cachestat's ground truth, on an ext4 of the test's own: cachetop's workload (one Python process doing page-cache
 * I/O on command), measured host-wide. The host's other I/O can only add to the counts, so the workload's pages are
 * lower bounds: a 64 MiB file written dirties at least 98 % of its 16,384 pages and misses as many (a new file's
 * pages are added as it is written); after the file's pages are dropped, a read of it misses at least 98 % of them
 * and accesses them all; read again, warm, it misses under 2 % and over 90 % of the host's reads hit. Where accesses
 * are exact (fentry, kprobe), the cold read's misses make the loop device read its backing file (on /dev/shm), and
 * those reads are page-cache accesses too, all hits: the host's read accesses are then twice the file's, and its hit
 * ratio half. No count is more than twice the workload's (and a little), which a hook counted twice would not pass.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Engine } from '../../src/engine.js';
import type { CachestatRow } from '../../src/models/cachestat.js';
import { CACHETOP_MB, withCacheWorker, withExt4 } from './ground-truth.js';

export async function cachestatGroundTruth(engine: Engine): Promise<string> {
  return withExt4(async (dir) => {
    const file = join(dir, 'data');
    return withCacheWorker(engine, async (worker) => {
      /** One command between two ticks: the host's rows over that window, by access. */
      const step = async (cmd: string): Promise<Record<'all' | 'read' | 'write', CachestatRow>> => {
        const p = (await worker.run(cmd)).panels[0]!;
        assert.equal(p.status, 'ok', p.reason ?? '');
        const rows = p.rows as CachestatRow[];
        const by = (k: CachestatRow['kind']): CachestatRow => {
          const r = rows.find((x) => x.kind === k);
          assert.ok(r, `a ${k} row`);
          return r;
        };
        return { all: by('all'), read: by('read'), write: by('write') };
      };
      const pages = (CACHETOP_MB << 20) / 4096;
      const write = await step(`write ${file} ${CACHETOP_MB}`);
      await step(`drop ${file}`);
      const cold = await step(`read ${file}`);
      const warm = await step(`read ${file}`);
      const f = (x: number | null): string => (x ?? Number.NaN).toFixed(1);
      const report =
        `write ${CACHETOP_MB} MiB: ${write.all.dirties} pages dirtied host-wide (the file's ${pages}), ${write.write.misses} write misses; ` +
        `cold read: ${cold.read.accesses} read accesses, ${cold.read.misses} read misses, hit ${f(cold.read.hit_pct)} %; ` +
        `warm read: ${warm.read.accesses} accesses, hit ${f(warm.read.hit_pct)} %`;
      const within = (n: number, what: string): void =>
        assert.ok(n >= 0.98 * pages && n <= 2.02 * pages, `${what}: ${n} against the file's ${pages} pages (${report})`);
      within(write.all.dirties, 'dirtied by the write');
      within(write.write.misses, 'added by the write');
      within(cold.read.misses, 'added by the cold read');
      within(cold.read.accesses, "the cold read's accesses (its own, and the loop's reads of its backing file where accesses are exact)");
      within(warm.read.accesses, "the warm read's accesses");
      assert.ok(warm.read.misses <= 0.02 * pages, `the warm read adds next to nothing: ${report}`);
      // Cold: about half of the host's read accesses or more were misses (all of them where the loop's reads are not seen).
      assert.ok(cold.read.hit_pct !== null && cold.read.hit_pct <= 60, `the cold read misses: ${report}`);
      assert.ok(warm.read.hit_pct !== null && warm.read.hit_pct > 90, `the warm read hits: ${report}`);
      return report;
    });
  });
}
