import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeControl, humanBytes, humanCount, humanNs, percent } from '../../src/format.js';
import { fit, sparkline } from '../../views/cells.js';

test('humanBytes', () => {
  assert.equal(humanBytes(0), '0B');
  assert.equal(humanBytes(1023), '1023B');
  assert.equal(humanBytes(1536), '1.5K');
  assert.equal(humanBytes(150 * 1048576), '150M');
  assert.equal(humanBytes(null), '-');
});

test('humanNs and humanCount and percent', () => {
  assert.equal(humanNs(850), '850ns');
  assert.equal(humanNs(12_345), '12.3us');
  assert.equal(humanNs(4_560_000), '4.56ms');
  assert.equal(humanNs(1_200_000_000), '1.20s');
  assert.equal(humanCount(12_345), '12.3k');
  assert.equal(humanCount(999), '999');
  assert.equal(percent(0.123), '0.12');
  assert.equal(percent(null), '-');
});

test('escapeControl escapes C0, DEL, C1 and the backslash, keeps other text', () => {
  assert.equal(escapeControl('ok name'), 'ok name');
  assert.equal(escapeControl('a\x1b[31mb\n\x7f\u0085'), 'a\\x1b[31mb\\x0a\\x7f\\x85');
  assert.equal(escapeControl('a\\x1b'), 'a\\\\x1b');
  assert.equal(escapeControl('café'), 'café');
});

test('fit pads and cuts to the width', () => {
  assert.equal(fit('abc', 5), 'abc  ');
  assert.equal(fit('abc', 5, 'right'), '  abc');
  assert.equal(fit('abcdef', 4), 'abc…');
  assert.equal(fit('2001:db8::1234', 8, 'right'), '…8::1234');
});

test('sparkline: scaled to its own max, zero blank, padded left', () => {
  assert.equal(sparkline([0, 1, 2, 4, 8], 5), ' ▂▃▅█');
  assert.equal(sparkline([5, 5], 4), '  ██');
  assert.equal(sparkline([null, 3], 2), ' █');
  assert.equal(sparkline([1, 2, 3], 2), '▆█');
  assert.equal(sparkline([], 3), '   ');
});

test('wrap keeps spacing, breaks at spaces, indents continuations, cuts what cannot break', async () => {
  const { wrap } = await import('../../views/cells.js');
  assert.deepEqual(wrap('q Ctrl-C   quit', 40), ['q Ctrl-C   quit']);
  assert.deepEqual(wrap('alpha beta gamma delta', 11, '  '), ['alpha beta', '  gamma', '  delta']);
  assert.deepEqual(wrap('a-very-long-word end', 8), ['a-very-…', 'end']);
});
