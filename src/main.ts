/**
 * sixty's entry point. Before anything else loads: SIGUSR1 does nothing. By default it makes Node open its
 * inspector on 127.0.0.1:9229 with no authentication, which would let any local user run code in this root process.
 * A listener of our own replaces Node's handler (Node 20 has no --disable-sigusr1). Then the rest is loaded.
 */
process.on('SIGUSR1', () => {});
// Named as it is called: `sixty` in ps, top and htop, and as the comm its own reads carry in sixty's panels (not `node`).
process.title = 'sixty';
// React's development build is slower and, drawing a frame a second for hours, keeps growing: production unless asked.
process.env.NODE_ENV ??= 'production';
await import('./cli.js');
