/**
 * The composition root: parses the arguments, checks what must hold before anything starts, builds the engine and
 * hands it to one mode (src/modes/: batch, console, replay, serve). A Lifecycle (src/lifecycle.ts) holds what a run must
 * give back; every exit path disposes of it, so each one detaches sixty's BPF programs and restores the terminal.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { parseArgs, usage } from './args.js';
import { Engine } from './engine.js';
import { cgroupSetup, resolveCgroup, type CgroupFilter } from './kernel/cgroups.js';
import { readProcText } from './sources/proc.js';
import { UserError } from './errors.js';
import { quoteInput } from './format.js';
import { FormatError } from './persist/frames.js';
import { OutputError, unusableDir } from './persist/output.js';
import { DAEMON_RING_BYTES } from './panels/events.js';
import { PANELS, panelById, withTier } from './panels/registry.js';
import type { AnyPanelDef } from './panels/types.js';
import { Lifecycle, say } from './lifecycle.js';
import { runBatch } from './modes/batch.js';
import { injectPanelFault, version } from './modes/common.js';
import { runInteractive } from './modes/console.js';
import { runReplay } from './modes/replay.js';
import { runServe } from './modes/serve.js';
import { runDiff } from './modes/diff.js';
import { keyHelpLines } from '../views/keys.js';
import { MIN_HEIGHT, MIN_WIDTH } from '../views/size.js';

async function main(life: Lifecycle, argv: string[]): Promise<number> {
  if (argv[0] === 'diff') return runDiff(life, argv.slice(1));
  const opts = parseArgs(argv, new Map(PANELS.map((p) => [p.id, p.hookList.map((t) => t.name)])));
  if (opts.help) {
    life.emit(`${usage(PANELS.map((p) => p.id))}\n\nkeys (interactive):\n${keyHelpLines().join('\n')}\n`);
    return 0;
  }
  if (opts.version) {
    life.emit(`sixty ${version()}\n`);
    return 0;
  }
  const interactive = !opts.batch && !opts.serve && process.stdout.isTTY === true && process.env.TERM !== 'dumb';
  // An export directory that was named and cannot be written to: said now, not when `e` or `R` is pressed.
  if (interactive && opts.exportDirGiven) {
    const why = unusableDir(opts.exportDir, (d) => {
      if (!statSync(d).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      accessSync(d, fsConstants.W_OK | fsConstants.X_OK);
    });
    if (why) throw new UserError(`--export-dir: ${why}`);
  }
  if (interactive) {
    const w = process.stdout.columns ?? 0;
    const h = process.stdout.rows ?? 0;
    if (w < MIN_WIDTH || h < MIN_HEIGHT) throw new UserError(`terminal too small: ${w}×${h}, sixty needs at least ${MIN_WIDTH}×${MIN_HEIGHT}`);
  }
  // Replay needs no root and no BPF: no engine at all.
  if (opts.replay !== null) {
    const status = await runReplay(life, opts, opts.replay, interactive);
    life.dispose();
    return status;
  }
  const panels: AnyPanelDef[] = (opts.panels ?? PANELS.map((p) => p.id)).map((id) => {
    const def = panelById(id)!;
    const forced = opts.tiers[id];
    return injectPanelFault(forced ? withTier(def, forced) : def);
  });
  // A sixty killed with SIGKILL while B had BPF stats on left them on for the whole host: put back, and said.
  const abandoned = life.bpfStats.recoverAbandoned();
  if (abandoned) say(`sixty: ${abandoned}`);
  // The engine owns the interval from here (+ and - change it there; the frames, the header and recordings read it).
  const cgroup = opts.cgroup === null ? undefined : cgroupFilterOf(opts.cgroup);
  const engine = new Engine({
    panels,
    intervalMs: opts.intervalS * 1000,
    // --serve reads every panel whose families the endpoint lists (a panel on standby would serve empty families);
    // elsewhere the panels with costly hooks wait until they are on screen, unless --panels names them.
    requested: new Set(opts.panels ?? (opts.serve ? panels.filter((p) => p.metrics).map((p) => p.id) : [])),
    byProcess: opts.metricsListen !== null,
    // Headless, nothing draws a trend (recordings keep none; replay rebuilds them).
    trends: !opts.serve,
    // The always-on sixty leaves its own opens and reads out in the kernel (it leaves its rows out of recordings too).
    omitSelf: opts.serve,
    // Its event rings at 1 MiB unless --ring-size says: the console's 8 MiB rings are 43 MB of its RSS (docs/daemon.md).
    ...(opts.ringBytes !== null || opts.serve ? { ringBytes: opts.ringBytes ?? DAEMON_RING_BYTES } : {}),
    ...(cgroup ? { cgroup } : {}),
  });
  life.engine = engine;
  // Nothing that was asked for can run (BPF panels only, without privileges): one line, before taking the terminal.
  const blocked = engine.nothingCanRun();
  if (blocked) throw new UserError(blocked, 77);
  if (opts.metricsListen) {
    // Bound before anything starts: a port in use is one line and exit 2, with the terminal untouched.
    const { MetricsEndpoint } = await import('./metrics/server.js');
    const ep = await MetricsEndpoint.listen(opts.metricsListen, PANELS, opts.metricsTop);
    life.metrics = ep;
    engine.store.subscribe(() => {
      const f = engine.store.getSnapshot();
      if (f.elapsedNs > 0) ep.update(f); // not the baseline read after attaching
    });
    if (!interactive) say(`sixty: serving metrics on http://${ep.address}/metrics`);
  }
  let status = 0;
  if (opts.serve) status = await runServe(life, opts, engine);
  else if (interactive) await runInteractive(life, opts, engine);
  else status = await runBatch(life, opts, engine);
  engine.close();
  if (life.recorder) {
    const r = life.recorder;
    life.recorder = undefined;
    await r.close();
  }
  life.dispose();
  return status;
}

/** --cgroup checked against this host's hierarchies: the filter, or one line and exit 2. */
function cgroupFilterOf(arg: string): CgroupFilter {
  const r = resolveCgroup(arg, cgroupSetup(readProcText), (p) => {
    try {
      const st = statSync(p, { bigint: true });
      return { isDir: st.isDirectory(), ino: Number(st.ino) };
    } catch {
      return null;
    }
  });
  if (!r.ok) throw new UserError(`--cgroup '${quoteInput(arg)}': ${r.reason}`);
  return r.filter;
}

/** The file --replay names, for a message about it. */
function replayPathArg(): string {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === '--replay' || a.startsWith('--replay='));
  const v = i < 0 ? undefined : argv[i]!.includes('=') ? argv[i]!.slice(argv[i]!.indexOf('=') + 1) : argv[i + 1];
  return v === undefined ? 'the file' : quoteInput(v);
}

const life = new Lifecycle().install();
main(life, process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    life.dispose();
    if (e instanceof UserError) {
      say(`sixty: ${e.message}`);
      process.exit(e.exitCode);
    }
    if (e instanceof OutputError) {
      // A closed pipe (sixty --batch | head) ends the run quietly; anything else is lost output, said (EX_IOERR).
      if (e.code === 'EPIPE') process.exit(0);
      say(`sixty: ${e.message}`);
      process.exit(74);
    }
    if (e instanceof FormatError) {
      say(`sixty: cannot read ${replayPathArg()}: ${e.message}`);
      process.exit(2);
    }
    life.fatal(e);
  },
);
