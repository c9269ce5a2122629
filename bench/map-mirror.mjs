// The map mirror alone (src/sources/map-mirror.ts): what a keyed panel's reader pays per read, before its own decoding.
// A synthetic batch read of N entries (16-byte keys, 48-byte values) is walked as tcptop and filetop walk theirs: each
// known key found by its words, 1 % of the entries new each read (as many of the oldest gone), 10 % with new counts;
// then the idle and pressure picks and the slots kept dense. Median ms per read over the reads after the first (which
// makes every entry), and the first read.
// Usage (after npm run build): node bench/map-mirror.mjs [entries=10000,100000] [reads=30]
import { MapMirror, u64at } from '../build/js/src/sources/map-mirror.js';

const SIZES = (process.argv[2] ?? '10000,100000').split(',').map(Number);
const READS = Number(process.argv[3] ?? 30);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

/** A batch read of the live key range [lo, lo + n): key words (id, id ^ salt, 7, 0), counts that grow with `step`. */
function makeRead(lo, n, step) {
  const keys = Buffer.alloc(n * 16);
  const values = Buffer.alloc(n * 48);
  for (let i = 0; i < n; i++) {
    const id = lo + i;
    keys.writeUInt32LE(id >>> 0, i * 16);
    keys.writeUInt32LE((id ^ 0x5bd1e995) >>> 0, i * 16 + 4);
    keys.writeUInt32LE(7, i * 16 + 8);
    // 10 % of the entries moved in this read
    values.writeBigUInt64LE(BigInt(id % 10 === step % 10 ? step : 0), i * 48);
  }
  return { keys, values, count: n, keySize: 16, valueSize: 48, batched: true, cpus: 1 };
}

const results = [];
for (const n of SIZES) {
  const mirror = new MapMirror({ idleNs: 30e9, high: 0.9, low: 0.8 });
  const churn = Math.max(1, Math.floor(n / 100));
  const reads = [];
  for (let r = 0; r <= READS; r++) reads.push(makeRead(r * churn, n, r));
  const times = [];
  let first = 0;
  for (let r = 0; r <= READS; r++) {
    const m = reads[r];
    const now = r * 1e9;
    const t0 = process.hrtime.bigint();
    const seen = mirror.begin();
    mirror.walk(m, (e, i, _kw, vw) => {
      const count = u64at(vw, i * 12);
      if (!e) return { k0: 0, k1: 0, k2: 0, k3: 0, slot: 0, seenRead: 0, count, lastActiveNs: now };
      if (count !== e.count) {
        e.count = count;
        e.lastActiveNs = now;
      }
      e.seenRead = seen;
      return e;
    });
    const inMap = [];
    for (let i = 0; i < mirror.length; i++) {
      const e = mirror.at(i);
      if (!e) continue;
      if (e.seenRead !== seen) mirror.forget(e);
      else inMap.push(e);
    }
    mirror.pick(inMap, m.count, n * 2, now, (e) => e.count);
    mirror.compact();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r === 0) first = ms;
    else times.push(ms);
  }
  const row = { entries: n, msPerRead: median(times), firstReadMs: first, slots: mirror.length };
  results.push(row);
  console.log(`${n} entries: ${row.msPerRead.toFixed(2)} ms per read (median of ${times.length}; 1 % new, 10 % moved), first read ${first.toFixed(1)} ms`);
}
console.log(JSON.stringify({ bench: 'map-mirror', results }));
