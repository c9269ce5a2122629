#!/usr/bin/env node
// bench/metrics-abuse.mjs: hostile clients against sixty's /metrics endpoint (pipelined floods that never read, slowloris,
// idle sockets), with a probe that scrapes like a legitimate client. Start sixty first, e.g.
//   node build/js/src/main.js --serve --metrics-listen 127.0.0.1:19100 -i 1
//
//   node bench/metrics-abuse.mjs --port 19100 [--host 127.0.0.1] [--pid PID] --mode pipeline|slowloris|idle|none
//        [--conns 250] [--reqs 1000] [--duration 30] [--before 5] [--after 20] [--every 3]
//        [--reconnect] [--verbose] [--json FILE]
//
// Phases: `before` seconds of probing only, `duration` seconds of attack (sockets held open), `after` seconds of probing
// once the attacker has closed its sockets. The attacker runs in a child process so its own work does not skew the probe.
//   pipeline : each connection writes REQS pipelined `GET /metrics HTTP/1.1` requests at once and never reads.
//   slowloris: each connection sends a partial request head, then one header byte every EVERY seconds.
//   idle     : each connection connects and sends nothing.
// --reconnect: a connection the server closes is opened again (and re-attacks), for the whole duration.
// The probe opens a fresh connection every second, GETs /metrics and reads the whole answer (15 s limit), and samples
// the target's VmRSS and CPU (from /proc/PID). The target PID defaults to whoever listens on the port (--pid to set it;
// --probe-timeout N, default 15 s). A paused pipeline socket cannot see a close unless it writes: "closed by server"
// is counted only with --reconnect (which writes one more request a second).
import { fork } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';

function parseArgs(argv) {
  const o = {
    host: '127.0.0.1',
    port: 0,
    pid: 0,
    mode: 'none',
    conns: 250,
    reqs: 1000,
    duration: 30,
    before: 5,
    after: 20,
    every: 3,
    reconnect: false,
    verbose: false,
    json: '',
    attacker: false,
    probeTimeout: 15,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (k === 'reconnect' || k === 'verbose' || k === 'attacker') o[k] = true;
    else if (k === 'probe-timeout') o.probeTimeout = Number(argv[++i]);
    else if (k in o) o[k] = typeof o[k] === 'number' ? Number(argv[++i]) : argv[++i];
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return o;
}
const opt = parseArgs(process.argv.slice(2));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- attacker (child process)
function attacker() {
  const sockets = new Set();
  const st = { opened: 0, connected: 0, closedByPeer: 0, errors: 0, bytesWritten: 0, reqsWritten: 0 };
  let stopping = false;
  const reqLine = `GET /metrics HTTP/1.1\r\nHost: ${opt.host}:${opt.port}\r\nUser-Agent: attack\r\n\r\n`;
  const pipelined = Buffer.from(reqLine.repeat(opt.reqs));
  function open() {
    if (stopping) return;
    st.opened++;
    const s = net.connect({ host: opt.host, port: opt.port });
    sockets.add(s);
    let timer;
    s.on('connect', () => {
      st.connected++;
      // pipeline: never read (the kernel's receive buffer fills, then the server's send side backs up); idle and
      // slowloris get nothing to read but a close, which they notice
      if (opt.mode === 'pipeline') s.pause();
      else s.on('data', () => {});
      if (opt.mode === 'pipeline') {
        s.write(pipelined);
        st.bytesWritten += pipelined.length;
        st.reqsWritten += opt.reqs;
      } else if (opt.mode === 'slowloris') {
        s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
        let n = 0;
        timer = setInterval(() => {
          // one header byte at a time, never ending the head
          s.write(n++ % 2 ? 'a' : 'X');
          st.bytesWritten++;
        }, opt.every * 1000);
      }
      // pipeline with --reconnect: one more pipelined request a second, so that a close by the server shows as a write
      // error even though the socket never reads
      if (opt.mode === 'pipeline' && opt.reconnect)
        timer = setInterval(() => {
          if (s.writable) {
            s.write(reqLine);
            st.reqsWritten++;
          }
        }, 1000);
    });
    s.on('error', () => st.errors++);
    s.on('close', () => {
      clearInterval(timer);
      sockets.delete(s);
      if (!stopping) {
        st.closedByPeer++;
        if (opt.reconnect) setTimeout(open, 50);
      }
    });
  }
  process.on('message', (m) => {
    if (m === 'start') {
      let i = 0;
      // open in small batches so that the listen backlog does not drop SYNs
      const t = setInterval(() => {
        for (let k = 0; k < 25 && i < opt.conns; k++, i++) open();
        if (i >= opt.conns) clearInterval(t);
      }, 10);
    } else if (m === 'stats') {
      process.send({ ...st, open: sockets.size });
    } else if (m === 'stop') {
      stopping = true;
      for (const s of sockets) s.destroy();
      process.send({ ...st, open: 0, final: true });
      setTimeout(() => process.exit(0), 100);
    }
  });
}

// ---------------------------------------------------------------- probe (parent)
function findPid(port) {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length > 9 && c[1].endsWith(`:${hex}`) && c[3] === '0A') inodes.add(c[9]);
    }
  }
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let fds;
    try {
      fds = readdirSync(`/proc/${d}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${d}/fd/${fd}`));
        if (m && inodes.has(m[1])) return Number(d);
      } catch {
        /* gone */
      }
    }
  }
  return 0;
}
function procSample(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]); // utime + stime
    let fds = 0;
    try {
      fds = readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      /* */
    }
    return { rssMb: rssKb / 1024, ticks, fds, t: performance.now() };
  } catch {
    return null;
  }
}
function scrape() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = net.connect({ host: opt.host, port: opt.port });
    const chunks = [];
    let done = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ ms: performance.now() - t0, ...r });
    };
    const timer = setTimeout(() => finish({ ok: false, why: 'timeout' }), opt.probeTimeout * 1000);
    s.on('connect', () => s.write(`GET /metrics HTTP/1.1\r\nHost: ${opt.host}:${opt.port}\r\nConnection: close\r\n\r\n`));
    s.on('data', (d) => {
      chunks.push(d);
      const buf = Buffer.concat(chunks);
      const he = buf.indexOf('\r\n\r\n');
      if (he < 0) return;
      const head = buf.subarray(0, he).toString();
      const len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? -1);
      if (len >= 0 && buf.length >= he + 4 + len) {
        const body = buf.subarray(he + 4, he + 4 + len).toString();
        const status = Number(head.split(' ')[1]);
        const interval = Number(/^sixty_interval_seconds (\S+)$/m.exec(body)?.[1] ?? NaN);
        const frames = Number(/^sixty_frames_total (\S+)$/m.exec(body)?.[1] ?? NaN);
        finish({ ok: status === 200, why: status === 200 ? '' : `HTTP ${status}`, interval, frames, bytes: len });
      }
    });
    s.on('error', (e) => finish({ ok: false, why: e.code ?? e.message }));
    s.on('close', () => finish({ ok: false, why: chunks.length ? 'short' : 'closed' }));
  });
}

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const a = [...xs].sort((x, y) => x - y);
  return a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))];
};
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(x >= 100 ? 0 : 1) : '-');

async function probeMain() {
  if (!opt.port) throw new Error('--port is required');
  const pid = opt.pid || findPid(opt.port);
  if (!pid) throw new Error(`nothing listens on port ${opt.port}`);
  let child;
  let lastStats = null;
  if (opt.mode !== 'none') {
    child = fork(new URL(import.meta.url).pathname, [...process.argv.slice(2), '--attacker'], { stdio: 'inherit' });
    child.on('message', (m) => (lastStats = m));
  }
  const samples = []; // per second
  const probes = [];
  const start = performance.now();
  const phaseAt = (t) => (t < opt.before ? 'before' : t < opt.before + (opt.mode === 'none' ? 0 : opt.duration) ? 'attack' : 'after');
  const total = opt.before + (opt.mode === 'none' ? 0 : opt.duration) + opt.after;
  let prev = procSample(pid);
  let started = false;
  let stopped = false;
  const pending = [];
  for (let sec = 0; sec < total; sec++) {
    const t = (performance.now() - start) / 1000;
    const phase = phaseAt(t);
    if (child && phase === 'attack' && !started) {
      started = true;
      child.send('start');
    }
    if (child && phase === 'after' && !stopped) {
      stopped = true;
      child.send('stop');
    }
    if (child && phase === 'attack') child.send('stats');
    const p = scrape().then((r) => {
      const rec = { t0: t, phase, ...r };
      probes.push(rec);
      return rec;
    });
    pending.push(p);
    await sleep(Math.max(0, start + (sec + 1) * 1000 - performance.now()));
    const cur = procSample(pid);
    if (cur && prev) {
      const cpu = ((cur.ticks - prev.ticks) / 100 / ((cur.t - prev.t) / 1000)) * 100;
      const s = { t: (cur.t - start) / 1000, phase, rssMb: cur.rssMb, cpu, fds: cur.fds, open: lastStats?.open };
      samples.push(s);
      if (opt.verbose) {
        const done = probes.filter((x) => x.t0 >= t - 0.01 && x.t0 < t + 0.99);
        const pr = done.length ? (done[0].ok ? `${f1(done[0].ms)}ms` : `${done[0].why}@${f1(done[0].ms)}ms`) : 'pending';
        console.log(`t=${f1(s.t)}s ${phase.padEnd(6)} rss=${f1(s.rssMb)}MB cpu=${f1(s.cpu)}% fds=${s.fds} atk_open=${s.open ?? '-'} probe=${pr}`);
      }
    }
    prev = cur;
  }
  if (child && !stopped) child.send('stop');
  await Promise.all(pending);
  if (child) await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  // ------------------------------------------------ summary
  const out = { mode: opt.mode, conns: opt.conns, reqs: opt.reqs, pid, phases: {}, attacker: lastStats };
  console.log(
    `target pid ${pid}; mode ${opt.mode}${opt.mode === 'pipeline' ? ` ${opt.conns}x${opt.reqs}` : opt.mode === 'none' ? '' : ` ${opt.conns}`}${opt.reconnect ? ' reconnect' : ''}; before ${opt.before}s attack ${opt.mode === 'none' ? 0 : opt.duration}s after ${opt.after}s`,
  );
  console.log('phase   probes ok  fail  lat_p50  lat_p95  lat_max   rss_min rss_max rss_end  cpu_avg cpu_max  interval_max  frames/s');
  for (const ph of ['before', 'attack', 'after']) {
    const pr = probes.filter((x) => x.phase === ph);
    const sm = samples.filter((x) => x.phase === ph);
    if (!pr.length && !sm.length) continue;
    const ok = pr.filter((x) => x.ok);
    const lat = pr.map((x) => x.ms); // failures count with the time they took
    const fails = pr.filter((x) => !x.ok);
    const whys = {};
    for (const x of fails) whys[x.why] = (whys[x.why] ?? 0) + 1;
    const okSorted = [...ok].sort((a, b) => a.t0 + a.ms / 1000 - (b.t0 + b.ms / 1000));
    const end = (x) => x.t0 + x.ms / 1000; // frames/s between the first and last answers of the phase, by when they came
    const fr =
      okSorted.length > 1 && end(okSorted.at(-1)) - end(okSorted[0]) > 2
        ? (okSorted.at(-1).frames - okSorted[0].frames) / (end(okSorted.at(-1)) - end(okSorted[0]))
        : NaN;
    const rss = sm.map((x) => x.rssMb);
    const cpu = sm.map((x) => x.cpu);
    const row = {
      probes: pr.length,
      ok: ok.length,
      fail: fails.length,
      failWhy: whys,
      latP50: pct(lat, 50),
      latP95: pct(lat, 95),
      latMax: Math.max(...lat),
      rssMin: Math.min(...rss),
      rssMax: Math.max(...rss),
      rssEnd: rss.at(-1),
      cpuAvg: cpu.reduce((a, b) => a + b, 0) / (cpu.length || 1),
      cpuMax: Math.max(...cpu),
      intervalMax: Math.max(...ok.map((x) => x.interval).filter(Number.isFinite)),
      framesPerS: fr,
    };
    out.phases[ph] = row;
    console.log(
      `${ph.padEnd(7)} ${String(row.probes).padStart(6)} ${String(row.ok).padStart(3)} ${String(row.fail).padStart(5)}  ${f1(row.latP50).padStart(7)}  ${f1(row.latP95).padStart(7)}  ${f1(row.latMax).padStart(7)}   ${f1(row.rssMin).padStart(7)} ${f1(row.rssMax).padStart(7)} ${f1(row.rssEnd).padStart(7)}  ${f1(row.cpuAvg).padStart(7)} ${f1(row.cpuMax).padStart(7)}  ${f1(row.intervalMax).padStart(12)}  ${Number.isFinite(fr) ? fr.toFixed(2) : '-'}${fails.length ? `   fails: ${JSON.stringify(whys)}` : ''}`,
    );
  }
  if (lastStats)
    console.log(
      `attacker: opened ${lastStats.opened}, connected ${lastStats.connected}, closed by server ${lastStats.closedByPeer}, errors ${lastStats.errors}, requests written ${lastStats.reqsWritten}`,
    );
  console.log('(latency in ms, failures counted at the time they took; rss in MB; cpu in % of one CPU; interval_max = largest sixty_interval_seconds seen)');
  if (opt.json) writeFileSync(opt.json, JSON.stringify({ ...out, samples, probes }, null, 1));
}

if (opt.attacker) attacker();
else
  probeMain().catch((e) => {
    console.error(`attack: ${e.message}`);
    process.exit(1);
  });
