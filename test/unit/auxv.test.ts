/** The host's page size and clock ticks come from the auxiliary vector, not from assumptions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { hostConstants, hostConstantsOf, parseAuxv } from '../../src/kernel/auxv.js';

function auxv(pairs: [number, number][], word: 4 | 8): Buffer {
  const b = Buffer.alloc((pairs.length + 1) * word * 2);
  pairs.forEach(([t, v], i) => {
    if (word === 8) {
      b.writeBigUInt64LE(BigInt(t), i * 16);
      b.writeBigUInt64LE(BigInt(v), i * 16 + 8);
    } else {
      b.writeUInt32LE(t, i * 8);
      b.writeUInt32LE(v, i * 8 + 4);
    }
  });
  return b;
}

test('auxv: AT_PAGESZ and AT_CLKTCK read from 64- and 32-bit vectors; AT_NULL ends it; nonsense falls back to the usual', () => {
  assert.deepEqual(
    hostConstantsOf(
      parseAuxv(
        auxv(
          [
            [3, 0x400040],
            [6, 65536],
            [17, 250],
          ],
          8,
        ),
      ),
    ),
    { pageSize: 65536, clockTicks: 250 },
  );
  assert.deepEqual(
    hostConstantsOf(
      parseAuxv(
        auxv(
          [
            [6, 16384],
            [17, 100],
          ],
          4,
        ),
        4,
      ),
    ),
    { pageSize: 16384, clockTicks: 100 },
  );
  assert.deepEqual(hostConstantsOf(parseAuxv(Buffer.alloc(0))), { pageSize: 4096, clockTicks: 100 });
  assert.deepEqual(
    hostConstantsOf(
      new Map([
        [6, 5000],
        [17, 0],
      ]),
    ),
    { pageSize: 4096, clockTicks: 100 },
    'not a power of two, no ticks',
  );
});

test('this host: what getconf says', () => {
  const c = hostConstants();
  assert.equal(c.pageSize, Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' })));
  assert.equal(c.clockTicks, Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })));
});
