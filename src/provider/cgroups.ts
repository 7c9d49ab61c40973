import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import type { ResourceLimits } from './limits.js';

const ROOT = '/sys/fs/cgroup';
const CPU_PERIOD_US = 100_000;
/** `cpu.shares` a core is worth, and the bounds the kernel takes (Kubernetes' `MilliCPUToShares`). */
const SHARES_PER_CPU = 1024;
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
/** Tries at removing a group while what was left in it dies, and the pause between them. */
const REMOVE_ATTEMPTS = 10;
const REMOVE_PAUSE_MS = 50;

/** A replica's own control groups: where its process goes before it runs, and what they saw. */
export interface ReplicaCgroup {
  /** The `cgroup.procs` files the process writes its pid to before it execs the function. */
  readonly procs: readonly string[];
  /**
   * How many of its processes the kernel killed for going over its memory limit (older v1 kernels
   * count no kills: there, how often the limit was hit).
   */
  oomKills(): Promise<number>;
  /** Removes its groups, killing first whatever still runs in them (the kernel refuses a busy group). */
  remove(): Promise<void>;
}

/**
 * Memory and CPU limits and requests through the host's control groups, where Sluice may make them:
 * cgroup v2 under the gateway's own group, or v1's `memory` and `cpu` hierarchies (the files:
 * `groupFiles`). `detect` answers why not where neither can be written (not root, no delegation);
 * the caller then says so once and runs functions unlimited.
 */
export class Cgroups {
  readonly kind: 'v1' | 'v2';
  readonly #memory: string | undefined;
  readonly #cpu: string | undefined;

  private constructor(kind: 'v1' | 'v2', memory: string | undefined, cpu: string | undefined) {
    this.kind = kind;
    this.#memory = memory;
    this.#cpu = cpu;
  }

  /** The groups this process may make children in; or why it may not. */
  static async detect(): Promise<Cgroups | string> {
    const own = await readFile('/proc/self/cgroup', 'utf8').catch(() => '');
    const lines = own.split('\n').filter(Boolean).map((line) => line.split(':'));
    const v1 = (controller: string): string | undefined => {
      const line = lines.find(([, controllers]) => controllers?.split(',').includes(controller));
      if (!line) return undefined;
      const mount = [controller, line[1] as string].map((dir) => path.join(ROOT, dir)).find((dir) => existsSync(dir));
      return mount && path.join(mount, line[2] ?? '/');
    };
    const memory = v1('memory');
    if (memory) {
      const usable = async (dir: string | undefined): Promise<string | undefined> => (dir && (await writable(dir)) ? dir : undefined);
      const [mem, cpu] = await Promise.all([usable(memory), usable(v1('cpu'))]);
      await Promise.all([mem, cpu].map(pruneLeftovers));
      return mem || cpu ? new Cgroups('v1', mem, cpu) : `cannot make control groups under ${memory}`;
    }
    const unified = lines.find(([id]) => id === '0')?.[2];
    if (unified === undefined || !existsSync(path.join(ROOT, 'cgroup.controllers'))) return 'this host has no control groups Sluice can use';
    return Cgroups.#enableV2(path.join(ROOT, unified));
  }

  /** cgroup v2: processes may only sit in leaves, so the gateway moves to a leaf of its own, then its group hands memory and cpu down. */
  static async #enableV2(base: string): Promise<Cgroups | string> {
    try {
      const controllers = (await readFile(path.join(base, 'cgroup.controllers'), 'utf8')).split(/\s+/);
      const wanted = ['memory', 'cpu'].filter((c) => controllers.includes(c));
      if (!wanted.length) return `the control group ${base} was not given the memory or cpu controller`;
      const leaf = path.join(base, 'sluice-gateway');
      await mkdir(leaf).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      await writeFile(path.join(leaf, 'cgroup.procs'), String(process.pid));
      await writeFile(path.join(base, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
      await pruneLeftovers(base);
      return new Cgroups('v2', base, base);
    } catch (err) {
      return `cannot use the control group ${base}: ${(err as Error).message}`;
    }
  }

  /** Makes the replica's groups afresh (a restart starts from a clean count) with its limits and requests. */
  async create(instance: string, limits: ResourceLimits): Promise<ReplicaCgroup> {
    const dirs: string[] = [];
    const make = async (base: string, files: Readonly<Record<string, string>>, optional: Readonly<Record<string, string>> = {}): Promise<string> => {
      const dir = path.join(base, `sluice-${instance}`);
      await rmdir(dir).catch(() => {});
      await mkdir(dir);
      dirs.push(dir);
      for (const [file, value] of Object.entries(files)) await writeFile(path.join(dir, file), value);
      for (const [file, value] of Object.entries(optional)) await writeFile(path.join(dir, file), value).catch(() => {});
      return dir;
    };
    const files = groupFiles(this.kind, limits);
    let memoryDir: string | undefined;
    if (this.kind === 'v2') {
      memoryDir = await make(this.#memory as string, { ...files.memory, ...files.cpu }, files.optional);
    } else {
      if (Object.keys(files.memory).length && this.#memory) memoryDir = await make(this.#memory, files.memory, files.optional);
      if (Object.keys(files.cpu).length && this.#cpu) await make(this.#cpu, files.cpu);
    }
    const kind = this.kind;
    return {
      procs: dirs.map((dir) => path.join(dir, 'cgroup.procs')),
      oomKills: async () => (memoryDir ? oomKills(memoryDir, kind) : 0),
      remove: async () => {
        await Promise.all(dirs.map(removeGroup));
      },
    };
  }
}

/** What a replica's groups are given: files of the memory and cpu controllers, and those only some kernels have. */
export interface GroupFiles {
  readonly memory: Readonly<Record<string, string>>;
  readonly cpu: Readonly<Record<string, string>>;
  /** Written where the kernel has them (v1 swap accounting is optional, and so is v2's swap). */
  readonly optional: Readonly<Record<string, string>>;
}

/**
 * The files that carry `limits` and `requests` into a replica's groups, as the kubelet writes a
 * pod's: limits are hard (`memory.limit_in_bytes`/`memory.max`, a CFS quota); requests are what the
 * kernel keeps for it under contention, a CPU weight (`cpu.shares`/`cpu.weight`) and memory it
 * reclaims from others first (`memory.soft_limit_in_bytes`/`memory.low`).
 */
export function groupFiles(kind: 'v1' | 'v2', limits: ResourceLimits): GroupFiles {
  const { memoryBytes, cpus, requests } = limits;
  const quota = cpus === undefined ? undefined : String(Math.max(1000, Math.round(cpus * CPU_PERIOD_US)));
  const shares = requests?.cpus === undefined ? undefined : cpuShares(requests.cpus);
  const memory: Record<string, string> = {};
  const cpu: Record<string, string> = {};
  const optional: Record<string, string> = {};
  if (kind === 'v2') {
    if (memoryBytes !== undefined) memory['memory.max'] = String(memoryBytes);
    if (requests?.memoryBytes !== undefined) memory['memory.low'] = String(requests.memoryBytes);
    if (quota !== undefined) cpu['cpu.max'] = `${quota} ${CPU_PERIOD_US}`;
    if (shares !== undefined) cpu['cpu.weight'] = String(cpuWeight(shares));
    // No swap: over its limit a function is stopped, not slowed to a crawl.
    if (memoryBytes !== undefined) optional['memory.swap.max'] = '0';
  } else {
    if (memoryBytes !== undefined) memory['memory.limit_in_bytes'] = String(memoryBytes);
    if (requests?.memoryBytes !== undefined) memory['memory.soft_limit_in_bytes'] = String(requests.memoryBytes);
    if (quota !== undefined) Object.assign(cpu, { 'cpu.cfs_period_us': String(CPU_PERIOD_US), 'cpu.cfs_quota_us': quota });
    if (shares !== undefined) cpu['cpu.shares'] = String(shares);
    if (memoryBytes !== undefined) optional['memory.memsw.limit_in_bytes'] = String(memoryBytes);
  }
  return { memory, cpu, optional };
}

/** cgroup v1 `cpu.shares` for a CPU request, as the kubelet computes it: 1024 a core, from whole millicores, within 2…262144. */
export function cpuShares(cpus: number): number {
  const milli = Math.round(cpus * 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((milli * SHARES_PER_CPU) / 1000)));
}

/** cgroup v2 `cpu.weight` (1…10000) for v1 shares (2…262144), as runc and the kubelet convert them. */
export function cpuWeight(shares: number): number {
  return 1 + Math.floor(((shares - MIN_SHARES) * 9999) / (MAX_SHARES - MIN_SHARES));
}

// --- internal ---

/**
 * Removes replica groups a gateway killed with SIGKILL left behind. The kernel refuses to remove a
 * group with a process in it, so a running replica's (this node's or another's) stays; one made a
 * moment ago and still empty may go, and its replica then fails to join it and starts again.
 */
async function pruneLeftovers(base: string | undefined): Promise<void> {
  if (!base) return;
  const names = await readdir(base).catch(() => []);
  await Promise.all(names.filter((n) => n.startsWith('sluice-') && n !== 'sluice-gateway').map((n) => rmdir(path.join(base, n)).catch(() => {})));
}

async function writable(dir: string): Promise<boolean> {
  const probe = path.join(dir, `sluice-probe-${process.pid}`);
  try {
    await mkdir(probe);
    await rmdir(probe);
    return true;
  } catch {
    return false;
  }
}

async function oomKills(dir: string, kind: 'v1' | 'v2'): Promise<number> {
  const file = path.join(dir, kind === 'v2' ? 'memory.events' : 'memory.oom_control');
  const text = await readFile(file, 'utf8').catch(() => '');
  const kills = /^oom_kill (\d+)$/m.exec(text);
  if (kills) return Number(kills[1]);
  // Older v1 kernels count no kills: a limit that was hit is the best sign.
  return kind === 'v1' ? Number(await readFile(path.join(dir, 'memory.failcnt'), 'utf8').catch(() => '0')) || 0 : 0;
}

/**
 * Removes a group. One still in use (a call's process running past its replica's stop, a child a
 * function left behind) is emptied first: what is in it is killed, and the removal tried again.
 */
async function removeGroup(dir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const busy = await rmdir(dir).then(() => false, (err: NodeJS.ErrnoException) => err.code === 'EBUSY');
    if (!busy || attempt === REMOVE_ATTEMPTS) return;
    const pids = (await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').map(Number);
    for (const pid of pids) {
      if (pid > 0 && pid !== process.pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
    await sleep(REMOVE_PAUSE_MS);
  }
}
