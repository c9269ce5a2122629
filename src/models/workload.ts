/**
 * Whose workload a cgroup is, from its path alone (no runtime socket): a systemd unit, a container of Docker,
 * containerd, CRI-O or Podman, a Kubernetes pod, or the cgroup's own name. Pure; the names a runtime's state files give
 * (a container's name, a pod's namespace and name) are looked up by the caller and passed in.
 */

export type WorkloadKind = 'root' | 'pod' | 'docker' | 'containerd' | 'crio' | 'podman' | 'service' | 'scope' | 'slice' | 'cgroup';

export interface Workload {
  kind: WorkloadKind;
  /** what the console shows: `nginx.service`, `docker:3f2a9c1e0b7d`, `pod:kube-system/coredns-5d78c`, `/` */
  name: string;
  /** the container's full id (docker, containerd, crio, podman), or '' */
  container: string;
  /** the pod's uid (dashes), or '' */
  pod: string;
}

/** A container id: 64 hex digits (Docker, containerd, CRI-O and Podman all use them). */
const ID = '([0-9a-f]{64})';
/** Container scopes and directories, runtime by runtime: systemd's driver (`docker-ID.scope`) and cgroupfs's (`/docker/ID`). */
const CONTAINER: readonly { kind: WorkloadKind; re: RegExp }[] = [
  { kind: 'docker', re: new RegExp(`^docker-${ID}\\.scope$`) },
  { kind: 'containerd', re: new RegExp(`^cri-containerd-${ID}\\.scope$`) },
  { kind: 'crio', re: new RegExp(`^crio-(?:conmon-)?${ID}\\.scope$`) },
  { kind: 'podman', re: new RegExp(`^libpod-(?:conmon-)?${ID}\\.scope$`) },
];
/** A pod: `kubepods-burstable-pod<uid_with_underscores>.slice` (systemd) or `pod<uid>` (cgroupfs). */
const POD = /^(?:kubepods(?:-\w+)?-pod([0-9a-f_]{36})\.slice|pod([0-9a-f-]{36}))$/;

/** What the console shows of a container id: its first 12 digits, as `docker ps` does. */
export const shortId = (id: string): string => id.slice(0, 12);

/**
 * The workload of a cgroup path (`/system.slice/nginx.service`). `names` gives a container's name by full id and a
 * pod's `namespace/name` by uid, where the host's files tell them (else the short id and the uid are shown).
 * The innermost meaningful part wins: a container inside a pod is named by its pod and itself.
 */
export function workloadOf(path: string, names?: { container?: (id: string) => string | undefined; pod?: (uid: string) => string | undefined }): Workload {
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { kind: 'root', name: '/', container: '', pod: '' };
  let pod = '';
  let container = '';
  let runtime: WorkloadKind | null = null;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const pm = POD.exec(p);
    if (pm) {
      pod = (pm[1] ?? pm[2] ?? '').replace(/_/g, '-');
      continue;
    }
    for (const c of CONTAINER)
      if (c.re.test(p)) {
        runtime = c.kind;
        container = c.re.exec(p)![1]!;
      }
    // cgroupfs's driver: /docker/ID, /libpod_parent/libpod-ID, and a pod's containers as bare ids.
    if (!runtime && new RegExp(`^${ID}$`).test(p)) {
      const parent = parts[i - 1] ?? '';
      runtime = parent === 'docker' ? 'docker' : pod ? 'containerd' : 'cgroup';
      if (runtime !== 'cgroup') container = p;
      else runtime = null;
    }
    if (!runtime && /^libpod-[0-9a-f]{64}$/.test(p)) {
      runtime = 'podman';
      container = p.slice(7);
    }
  }
  if (pod) {
    const podName = names?.pod?.(pod) ?? pod;
    const ctr = container ? `/${names?.container?.(container) ?? shortId(container)}` : '';
    return { kind: 'pod', name: `pod:${podName}${ctr}`, container, pod };
  }
  if (runtime && container) {
    const prefix = runtime === 'containerd' ? 'ctr' : runtime;
    return { kind: runtime, name: `${prefix}:${names?.container?.(container) ?? shortId(container)}`, container, pod: '' };
  }
  // systemd: the innermost unit, a service before the scopes and slices it holds (user@1000.service/app.slice → the
  // service's own app.slice is a slice of the user's manager: the innermost unit still names it best).
  const last = parts[parts.length - 1]!;
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i]!;
    if (p.endsWith('.service')) return { kind: 'service', name: i === parts.length - 1 ? p : `${p}/${parts.slice(i + 1).join('/')}`, container: '', pod: '' };
    if (p.endsWith('.scope')) return { kind: 'scope', name: p, container: '', pod: '' };
  }
  if (last.endsWith('.slice')) return { kind: 'slice', name: last, container: '', pod: '' };
  return { kind: 'cgroup', name: last, container: '', pod: '' };
}
