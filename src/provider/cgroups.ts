import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResourceLimits } from './limits.js';

const ROOT = '/sys/fs/cgroup';
const CPU_PERIOD_US = 100_000;

/** A replica's own control groups: where its process goes before it runs, and what they saw. */
export interface ReplicaCgroup {
  /** The `cgroup.procs` files the process writes its pid to before it execs the function. */
  readonly procs: readonly string[];
  /** Whether the kernel killed a process of it for going over its memory limit. */
  oomKilled(): Promise<boolean>;
  remove(): Promise<void>;
}

/**
 * Memory and CPU limits through the host's control groups, where Sluice may make them: cgroup v2
 * (`memory.max`, `cpu.max`) under the gateway's own group, or v1's `memory` and `cpu` hierarchies
 * (`memory.limit_in_bytes`, `cpu.cfs_quota_us`). `detect` answers undefined where neither can be
 * written (not root, no delegation); the caller then says so once and runs functions unlimited.
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

  /** Makes the replica's groups afresh (a restart starts from a clean count) with its limits. */
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
    const { memoryBytes, cpus } = limits;
    const quota = cpus === undefined ? undefined : String(Math.max(1000, Math.round(cpus * CPU_PERIOD_US)));
    let memoryDir: string | undefined;
    if (this.kind === 'v2') {
      const files: Record<string, string> = {};
      if (memoryBytes !== undefined) files['memory.max'] = String(memoryBytes);
      if (quota !== undefined) files['cpu.max'] = `${quota} ${CPU_PERIOD_US}`;
      // No swap: over its limit a function is stopped, not slowed to a crawl.
      memoryDir = await make(this.#memory as string, files, memoryBytes === undefined ? {} : { 'memory.swap.max': '0' });
    } else {
      if (memoryBytes !== undefined && this.#memory) {
        memoryDir = await make(this.#memory, { 'memory.limit_in_bytes': String(memoryBytes) }, { 'memory.memsw.limit_in_bytes': String(memoryBytes) });
      }
      if (quota !== undefined && this.#cpu) await make(this.#cpu, { 'cpu.cfs_period_us': String(CPU_PERIOD_US), 'cpu.cfs_quota_us': quota });
    }
    const kind = this.kind;
    return {
      procs: dirs.map((dir) => path.join(dir, 'cgroup.procs')),
      oomKilled: async () => (memoryDir ? oomKills(memoryDir, kind) : false),
      remove: async () => {
        await Promise.all(dirs.map((dir) => rmdir(dir).catch(() => {})));
      },
    };
  }
}

/**
 * The shell line that puts the process in its groups, then becomes the function: `sh -c LINE sh
 * procs… -- argv…`. Written before exec, so the function never runs a moment outside its limits.
 */
export const JOIN_AND_EXEC = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';

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

async function oomKills(dir: string, kind: 'v1' | 'v2'): Promise<boolean> {
  const file = path.join(dir, kind === 'v2' ? 'memory.events' : 'memory.oom_control');
  const text = await readFile(file, 'utf8').catch(() => '');
  const kills = /^oom_kill (\d+)$/m.exec(text);
  if (kills) return Number(kills[1]) > 0;
  // Older v1 kernels count no kills: a limit that was hit is the best sign.
  return kind === 'v1' && Number(await readFile(path.join(dir, 'memory.failcnt'), 'utf8').catch(() => '0')) > 0;
}
