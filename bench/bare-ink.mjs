// The yardstick for the console's drawing: a bare Ink app (React, Ink, no sixty) that draws the lines in FILE once a
// second, one <Text> per line in a column, as an Ink app would. bench/console-cost.mjs keeps FILE as sixty's screen.
// Usage: node bench/bare-ink.mjs FILE
import { readFileSync } from 'node:fs';
import { createElement as h } from 'react';
import { Box, render, Text } from 'ink';

const file = process.argv[2];
const read = () => {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return ['(waiting)'];
  }
};
const view = (lines) => h(Box, { flexDirection: 'column' }, ...lines.map((l, i) => h(Text, { key: i, wrap: 'truncate' }, l)));
const app = render(view(read()), { exitOnCtrlC: true, patchConsole: false });
setInterval(() => app.rerender(view(read())), 1000);
