/**
 * Cgroups without a machine: the parsers on the kernel's text (mountinfo of each layout, /proc/PID/cgroup, pressure,
 * cpu.stat, io.stat, v1's blkio), workload names from paths of every runtime, the reader on fixture trees of a pure v2
 * host, a hybrid one (this machine's layout) and a v1-only one, the model's rates, the culprit under pressure, --cgroup's
 * resolution, and pressure as evidence in the checklist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBlkio, parseCgroupMounts, parseIoStat, parseKeyed, parsePressure, parseProcCgroup, parseSingle } from '../../src/records/cgroupfs.js';
import { workloadOf, shortId } from '../../src/models/workload.js';
import { cgroupSetup, membership, parentPath, resolveCgroup, underCgroup, walkCgroups, type CgroupHost } from '../../src/kernel/cgroups.js';
import { deriveCgroups, mostPressure, pressureShare, rowShares } from '../../src/models/cgroup.js';
import { createCgroupReader, cgroupsPanel } from '../../src/panels/cgroups.js';
import { deriveChecklist } from '../../src/models/checklist.js';
import { homePanel, homeStats, homeHost } from '../../src/panels/home.js';
import { cgroupSamples, DOCKER_ID, POD_UID } from '../helpers/cgroup-samples.js';
import { checklistSample } from '../helpers/checklist.js';
import type { HostInfo } from '../../src/panels/types.js';

const MOUNT_V2 = `24 30 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n`;
const MOUNT_HYBRID = [
  '25 24 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
  '26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw',
  '27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd',
  '28 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu,cpuacct',
  '29 25 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory',
  '30 25 0:28 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,blkio',
  // A bind mount of a sub-cgroup is not the hierarchy.
  '31 25 0:27 /docker/abc /mnt/x rw - cgroup cgroup rw,memory',
  '',
].join('\n');
const MOUNT_V1 = MOUNT_HYBRID.split('\n')
  .filter((l) => !l.includes('cgroup2'))
  .join('\n');

test('mountinfo: the cgroup2 mount and each v1 controller, per layout', () => {
  const v2 = parseCgroupMounts(MOUNT_V2);
  assert.equal(v2.v2, '/sys/fs/cgroup');
  assert.equal(v2.v1.size, 0);
  const h = parseCgroupMounts(MOUNT_HYBRID);
  assert.equal(h.v2, '/sys/fs/cgroup/unified');
  assert.equal(h.v1.get('cpu'), '/sys/fs/cgroup/cpu,cpuacct');
  assert.equal(h.v1.get('cpuacct'), '/sys/fs/cgroup/cpu,cpuacct');
  assert.equal(h.v1.get('memory'), '/sys/fs/cgroup/memory');
  assert.equal(h.v1.get('name=systemd'), '/sys/fs/cgroup/systemd');
  assert.equal(h.v1.has('xattr'), false);
  // Octal escapes in mount points.
  assert.equal(parseCgroupMounts('1 2 0:1 / /sys/fs/my\\040cg rw - cgroup2 none rw\n').v2, '/sys/fs/my cg');
  const at = (text: string): string => cgroupSetup(() => text).layout;
  assert.equal(at(MOUNT_V2), 'v2');
  assert.equal(at(MOUNT_HYBRID), 'hybrid');
  assert.equal(at(MOUNT_V1), 'v1');
  assert.equal(at(''), 'none');
});

test('/proc/PID/cgroup: v2 and v1 lines; membership is cgroup2 where the host has it', () => {
  const pc = parseProcCgroup('9:name=systemd:/system.slice/x.service\n4:memory:/process_api/0d77\n3:cpu,cpuacct:/\n0::/system.slice/x.service\n');
  assert.equal(pc.v2, '/system.slice/x.service');
  assert.equal(pc.v1.get('memory'), '/process_api/0d77');
  assert.equal(pc.v1.get('cpuacct'), '/');
  assert.equal(membership(pc, { mounts: parseCgroupMounts(MOUNT_HYBRID) }), '/system.slice/x.service');
  assert.equal(membership(parseProcCgroup('9:name=systemd:/a.slice\n4:memory:/m\n'), { mounts: parseCgroupMounts(MOUNT_V1) }), '/a.slice');
  assert.equal(membership(parseProcCgroup('0::/\n'), { mounts: parseCgroupMounts(MOUNT_V2) }), '/');
});

test('pressure, cpu.stat, io.stat, blkio and single values as the kernel writes them', () => {
  const p = parsePressure('some avg10=0.86 avg60=1.51 avg300=1.48 total=6525195813\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=12\n');
  assert.deepEqual(p, { some: { avg10: 0.86, avg60: 1.51, avg300: 1.48, totalUs: 6525195813 }, full: { avg10: 0, avg60: 0, avg300: 0, totalUs: 12 } });
  // Before 5.13 the host's cpu file has no full line.
  assert.equal(parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n')?.full, null);
  assert.equal(parsePressure('garbage'), null);
  assert.equal(parseKeyed('usage_usec 100\nnr_throttled 3\nbad line\n').get('nr_throttled'), 3);
  assert.deepEqual(parseIoStat('8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=1 wbytes=0 rios=1 wios=0\n'), [
    { dev: '8:0', rbytes: 4096, wbytes: 8192, rios: 1, wios: 2 },
    { dev: '253:1', rbytes: 1, wbytes: 0, rios: 1, wios: 0 },
  ]);
  assert.deepEqual(parseBlkio('8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 1\n8:0 Total 12288\nTotal 12288\n', '8:0 Read 1\n8:0 Write 2\n'), [
    { dev: '8:0', rbytes: 4096, wbytes: 8192, rios: 1, wios: 2 },
  ]);
  assert.equal(parseSingle('max\n'), Infinity);
  assert.equal(parseSingle('123\n'), 123);
  assert.equal(parseSingle(''), null);
});

test('workload names: systemd units, every runtime, pods by name or uid, and the cgroup itself', () => {
  const id = DOCKER_ID;
  const w = (p: string, names?: Parameters<typeof workloadOf>[1]): string => workloadOf(p, names).name;
  assert.equal(w('/'), '/');
  assert.equal(w('/system.slice/nginx.service'), 'nginx.service');
  assert.equal(w('/user.slice/user-1000.slice/user@1000.service'), 'user@1000.service');
  assert.equal(w('/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-terminal-1234.scope'), 'app-gnome-terminal-1234.scope');
  assert.equal(w('/user.slice/user-1000.slice/session-3.scope'), 'session-3.scope');
  assert.equal(w('/system.slice/nginx.service/workers'), 'nginx.service/workers');
  assert.equal(w('/system.slice'), 'system.slice');
  assert.equal(w(`/system.slice/docker-${id}.scope`), `docker:${shortId(id)}`);
  assert.equal(w(`/docker/${id}`), `docker:${shortId(id)}`);
  assert.equal(w(`/system.slice/docker-${id}.scope`, { container: () => 'web' }), 'docker:web');
  assert.equal(w(`/machine.slice/libpod-${id}.scope`), `podman:${shortId(id)}`);
  assert.equal(w(`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-conmon-${id}.scope`), `podman:${shortId(id)}`);
  assert.equal(w(`/system.slice/crio-${id}.scope`), `crio:${shortId(id)}`);
  assert.equal(w(`/system.slice/cri-containerd-${id}.scope`), `containerd:${shortId(id)}`.replace('containerd:', 'ctr:'));
  const podSlice = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_UID.replace(/-/g, '_')}.slice`;
  assert.equal(w(podSlice), `pod:${POD_UID}`);
  assert.equal(w(`${podSlice}/cri-containerd-${id}.scope`), `pod:${POD_UID}/${shortId(id)}`);
  assert.equal(w(`${podSlice}/cri-containerd-${id}.scope`, { pod: () => 'shop/cart', container: () => undefined }), `pod:shop/cart/${shortId(id)}`);
  // cgroupfs's driver.
  assert.equal(w(`/kubepods/besteffort/pod${POD_UID}/${id}`), `pod:${POD_UID}/${shortId(id)}`);
  assert.equal(workloadOf(`/kubepods/besteffort/pod${POD_UID}/${id}`).kind, 'pod');
  assert.equal(w('/sixty-test/mem'), 'mem');
  assert.equal(workloadOf('/sixty-test/mem').kind, 'cgroup');
});

test('paths: parents, subtrees, and --cgroup resolved against the hierarchy (its directory or its path), or refused', () => {
  assert.equal(parentPath('/'), null);
  assert.equal(parentPath('/a'), '/');
  assert.equal(parentPath('/a/b'), '/a');
  assert.ok(underCgroup('/a/b', '/a'));
  assert.ok(underCgroup('/a', '/a'));
  assert.ok(!underCgroup('/ab', '/a'));
  assert.ok(underCgroup('/anything', '/'));
  const setup = { mounts: parseCgroupMounts(MOUNT_HYBRID) };
  const dirs = new Map([
    ['/sys/fs/cgroup/unified', 1],
    ['/sys/fs/cgroup/unified/test', 4242],
  ]);
  const stat = (p: string): { isDir: boolean; ino: number } | null => (dirs.has(p) ? { isDir: true, ino: dirs.get(p)! } : null);
  assert.deepEqual(resolveCgroup('/test', setup, stat), { ok: true, filter: { path: '/test', id: 4242, level: 1 } });
  assert.deepEqual(resolveCgroup('test/', setup, stat), { ok: true, filter: { path: '/test', id: 4242, level: 1 } });
  assert.deepEqual(resolveCgroup('/sys/fs/cgroup/unified/test', setup, stat), { ok: true, filter: { path: '/test', id: 4242, level: 1 } });
  assert.deepEqual(resolveCgroup('/', setup, stat), { ok: true, filter: { path: '/', id: 1, level: 0 } });
  const bad = resolveCgroup('/nope', setup, stat);
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.reason : '', /no cgroup \/nope under \/sys\/fs\/cgroup\/unified/);
  assert.equal(resolveCgroup('/test/../..', setup, stat).ok, false);
  assert.equal(resolveCgroup('/x', { mounts: { v2: null, v1: new Map() } }, stat).ok, false);
});

/** A fake cgroup filesystem: directories and files by absolute path. */
function fakeFs(files: Record<string, string>): CgroupHost & Pick<HostInfo, 'nowNs' | 'onlineCpus' | 'readText' | 'listSubdirs' | 'readFiles'> {
  const dirs = new Set<string>();
  for (const f of Object.keys(files)) {
    let d = f.slice(0, f.lastIndexOf('/'));
    while (d.length > 1) {
      dirs.add(d);
      d = d.slice(0, d.lastIndexOf('/'));
    }
  }
  const readText = (p: string): string => {
    const t = files[p];
    if (t === undefined) throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
    return t;
  };
  return {
    readText,
    listSubdirs: (p) => [...dirs].filter((d) => d.startsWith(`${p}/`) && !d.slice(p.length + 1).includes('/')).map((d) => d.slice(p.length + 1)),
    readFiles: (paths) =>
      paths.map((p) => {
        try {
          return readText(p);
        } catch {
          return null;
        }
      }),
    nowNs: () => 0,
    onlineCpus: () => 2,
  };
}

const PSI = (some: number, full: number): string =>
  `some avg10=0.00 avg60=0.00 avg300=0.00 total=${some}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=${full}\n`;

test('the reader on a hybrid host: membership and pressure from cgroup2, CPU, memory and I/O from v1, v1-only cgroups too', () => {
  const U = '/sys/fs/cgroup/unified';
  const fs = fakeFs({
    '/proc/self/mountinfo': MOUNT_HYBRID,
    '/proc/pressure/cpu': PSI(10, 0),
    [`${U}/cgroup.procs`]: '1\n2\n',
    [`${U}/cpu.stat`]: 'usage_usec 5000000\nuser_usec 4000000\nsystem_usec 1000000\n',
    [`${U}/cpu.pressure`]: PSI(100, 0),
    [`${U}/job/cgroup.procs`]: '77\n',
    [`${U}/job/cpu.stat`]: 'usage_usec 250000\nuser_usec 250000\nsystem_usec 0\n',
    [`${U}/job/memory.pressure`]: PSI(3000, 2000),
    '/sys/fs/cgroup/cpu,cpuacct/job/cpu.stat': 'nr_periods 40\nnr_throttled 30\nthrottled_time 750000000\n',
    '/sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_quota_us': '25000\n',
    '/sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_period_us': '100000\n',
    '/sys/fs/cgroup/cpu,cpuacct/job/cpuacct.usage': '999\n',
    '/sys/fs/cgroup/memory/job/memory.usage_in_bytes': '104857600\n',
    '/sys/fs/cgroup/memory/job/memory.limit_in_bytes': '67108864\n',
    '/sys/fs/cgroup/memory/job/memory.failcnt': '12\n',
    '/sys/fs/cgroup/memory/job/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
    '/sys/fs/cgroup/memory/memory.usage_in_bytes': '1073741824\n',
    '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
    '/sys/fs/cgroup/memory/only-v1/cgroup.procs': '5\n6\n7\n',
    '/sys/fs/cgroup/memory/only-v1/memory.usage_in_bytes': '4096\n',
    '/sys/fs/cgroup/blkio/job/blkio.throttle.io_service_bytes_recursive': '8:0 Read 4096\n8:0 Write 0\n',
    '/sys/fs/cgroup/blkio/job/blkio.throttle.io_serviced_recursive': '8:0 Read 1\n8:0 Write 0\n',
  });
  const s = createCgroupReader(fs as HostInfo)();
  assert.equal(s.layout, 'hybrid');
  assert.equal(s.psi, true);
  assert.deepEqual([...s.entries.keys()].sort(), ['/', '/job', '/only-v1']);
  const job = s.entries.get('/job')!;
  assert.equal(job.inV2, true);
  assert.equal(job.source, 'v2+v1');
  assert.equal(job.procs, 1);
  // v2's cpu.stat wins over cpuacct; throttling and the quota from v1's cpu controller.
  assert.deepEqual(job.cpu, { usageUs: 250000, userUs: 250000, systemUs: 0 });
  assert.deepEqual(job.throttle, { periods: 40, throttled: 30, throttledUs: 750000 });
  assert.equal(job.quotaCpus, 0.25);
  assert.deepEqual(job.mem, { current: 104857600, high: null, max: 67108864 });
  assert.deepEqual(job.memEvents, { high: null, max: 12, oom: null, oomKill: 1 });
  assert.deepEqual(job.io, [{ dev: '8:0', rbytes: 4096, wbytes: 0, rios: 1, wios: 0 }]);
  assert.equal(job.psi.memory?.full?.totalUs, 2000);
  assert.equal(s.entries.get('/')!.mem?.max, Infinity);
  const v1only = s.entries.get('/only-v1')!;
  assert.equal(v1only.inV2, false);
  assert.equal(v1only.procs, 3);
  assert.equal(v1only.psi.memory, null);
  // --cgroup: only the subtree is read.
  const filtered = createCgroupReader({ ...(fs as HostInfo), cgroupFilter: { path: '/job', id: 9, level: 1 } })();
  assert.deepEqual([...filtered.entries.keys()], ['/job']);
});

test('without PSI the reader says why and the rest is read', () => {
  const fs = fakeFs({ '/proc/self/mountinfo': MOUNT_V2, '/sys/fs/cgroup/cgroup.procs': '1\n', '/sys/fs/cgroup/a/cpu.stat': 'usage_usec 1\n' });
  const s = createCgroupReader(fs as HostInfo)();
  assert.equal(s.psi, false);
  assert.match(s.psiReason ?? '', /CONFIG_PSI off, or psi=0/);
  assert.deepEqual([...s.entries.keys()], ['/', '/a']);
  assert.match(cgroupsPanel.summarize([], { psi: 0 }, 1e9).text, /no pressure stall information/);
});

test('walk: parents first, in name order, cut at the cap with a count', () => {
  const fs = fakeFs({ '/r/b/x/f': '', '/r/a/f': '', '/r/c/f': '' });
  assert.deepEqual(walkCgroups(fs, '/r').paths, ['/', '/a', '/b', '/b/x', '/c']);
  assert.deepEqual(walkCgroups(fs, '/r', 3), { paths: ['/', '/a', '/b'], cut: 2 });
});

test('the model: CPU, throttling, memory events, I/O and pressure over the interval', () => {
  const [a, b] = cgroupSamples().slice(1);
  const rows = deriveCgroups(b!, a!, 1e9);
  const batch = rows.find((r) => r.path === '/system.slice/batch.service')!;
  assert.ok(Math.abs(batch.cpu_pct! - 25) < 1e-9);
  assert.equal(batch.throttled, 6);
  assert.equal(batch.periods, 10);
  assert.ok(Math.abs(batch.throttled_pct! - 42) < 1e-9);
  assert.equal(batch.mem_high_events, 40);
  assert.ok(Math.abs(batch.mem_full_pct! - 20) < 1e-9);
  assert.ok(Math.abs(batch.mem_some_pct! - 30) < 1e-9);
  assert.equal(batch.quota_cpus, 0.25);
  const docker = rows.find((r) => r.kind === 'docker')!;
  assert.equal(docker.workload, 'docker:web');
  assert.equal(docker.write_bytes, 1e6);
  assert.equal(docker.devices, '8:0 r 0 w 1000000');
  assert.equal(rows.find((r) => r.kind === 'pod')!.workload, 'pod:shop/cart-7d9f');
  // A cgroup seen for the first time has no rates.
  const first = deriveCgroups(a!, undefined, 1e9).find((r) => r.path === '/')!;
  assert.equal(first.cpu_pct, null);
  assert.equal(first.mem_bytes, 3000 * 1048576);
  assert.deepEqual(pressureShare(null, null, 1e6), { some: null, full: null });
});

test('the cgroup under the most pressure: the worst, then down to the child that has nearly all of it; never the root', () => {
  const [a, b] = cgroupSamples().slice(1);
  const rows = deriveCgroups(b!, a!, 1e9);
  assert.equal(mostPressure(rowShares(rows, 'mem'))?.path, '/system.slice/batch.service');
  // The slice has the same CPU pressure as its container: the container is named.
  assert.equal(mostPressure(rowShares(rows, 'cpu'))?.path, `/system.slice/docker-${DOCKER_ID}.scope`);
  assert.equal(mostPressure(rowShares(rows, 'io')), undefined);
  // A child with much less than its parent is not the culprit: the parent is.
  assert.equal(
    mostPressure([
      { path: '/', parent: null, workload: '/', some: 90, full: 0 },
      { path: '/a', parent: '/', workload: 'a', some: 50, full: 0 },
      { path: '/a/x', parent: '/a', workload: 'x', some: 20, full: 0 },
      { path: '/a/y', parent: '/a', workload: 'y', some: 25, full: 0 },
    ])?.path,
    '/a',
  );
});

test('the checklist: pressure is evidence in uptime, vmstat, free and iostat, and names the cgroup under the most', () => {
  const withPsi = (k: number, memFullUs: number): ReturnType<typeof checklistSample> => {
    const s = checklistSample(k);
    const p = (some: number, full: number) => ({
      some: { avg10: 0, avg60: 0, avg300: 0, totalUs: some },
      full: { avg10: 0, avg60: 0, avg300: 0, totalUs: full },
    });
    return {
      ...s,
      // Over the 2 s interval: CPU some 0.2 s (10 %), memory some 0.6 s (30 %) and full 0.2 s (10 %), I/O none.
      psi: { cpu: p(k * 200000, 0), memory: p(k * 600000, k * memFullUs), io: p(0, 0) },
      cgroupPsi: new Map([
        ['/', { cpu: p(k * 200000, 0), memory: p(k * 600000, k * memFullUs), io: p(0, 0), workload: '/' }],
        ['/sixty', { cpu: p(0, 0), memory: p(k * 600000, k * memFullUs), io: p(0, 0), workload: 'sixty' }],
        ['/sixty/mem', { cpu: p(0, 0), memory: p(k * 590000, k * memFullUs), io: p(0, 0), workload: 'mem' }],
      ]),
    };
  };
  const rows = deriveChecklist(withPsi(1, 200000), withPsi(0, 0), 2e9);
  const free = rows.find((r) => r.id === 'free')!;
  assert.equal(free.verdict, 'bad');
  assert.match(free.why, /memory pressure: every task stalled 10\.0 % of the time/);
  assert.equal(free.fields.pressure_cgroup, '/sixty/mem');
  assert.equal(free.fields.psi_mem_full_pct, 10);
  assert.match(free.reading, /PSI mem 30\.0\/10\.0 %; most memory pressure: \/sixty\/mem 29\.5 %/);
  // Enter opens the cgroup panel first, on that cgroup.
  const homeRow = homePanel.derive(withPsi(1, 200000), withPsi(0, 0), 2e9).find((r) => r.id === 'free')!;
  assert.equal(homePanel.drill!(homeRow)[0], cgroupsPanel.id);
  assert.deepEqual(homePanel.drillView!(homeRow, cgroupsPanel.id), { sort: { key: 'mem_some_pct', descending: true }, select: '/sixty/mem' });
  const uptime = rows.find((r) => r.id === 'uptime')!;
  assert.equal(uptime.fields.psi_cpu_some_pct, 10);
  assert.match(uptime.reading, /PSI cpu 10\.0 %/);
  const iostat = rows.find((r) => r.id === 'iostat')!;
  assert.equal(iostat.fields.psi_io_some_pct, 0);
  assert.equal(iostat.fields.pressure_cgroup, undefined);
  // Without pressure no step changes its verdict for it; without PSI the steps are as before.
  const calm = deriveChecklist(withPsi(1, 0), withPsi(0, 0), 2e9).find((r) => r.id === 'free')!;
  assert.equal(calm.why.includes('every task'), false);
  const none = deriveChecklist(checklistSample(1), checklistSample(0), 2e9).find((r) => r.id === 'free')!;
  assert.equal(none.fields.psi_mem_some_pct, undefined);
  // The header: the interval's shares, and "no PSI" on a kernel without it.
  const h = homeHost(homeStats(withPsi(1, 200000), withPsi(0, 0)));
  assert.deepEqual(h?.psi, { cpu: 10, memory: 30, memoryFull: 10, io: 0, ioFull: 0 });
  assert.equal(homeHost(homeStats({ ...checklistSample(1), psi: null }, checklistSample(0)))?.psi, null);
});
