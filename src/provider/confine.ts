import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Where OpenFaaS mounts a function's secrets, and where functions ported from it read them. */
export const OPENFAAS_SECRETS = '/var/openfaas/secrets';

/** A replica's own view of the file system, made in a mount namespace of its own. */
export interface MountPlan {
  /** The function's secret files, shown at /var/openfaas/secrets (a link to it, so updates show at once). */
  readonly secretsDir?: string;
  /** `readOnlyRootFilesystem`: every mount read-only but /proc, /sys, /dev and `writable`. */
  readonly readOnly?: boolean;
  /** What stays writable under a read-only root: /tmp, and the replica's socket folder. */
  readonly writable?: readonly string[];
  /** Read-only again after `writable`: the function's own folder, should it lie in one of them. */
  readonly sealed?: readonly string[];
}

/** What a replica's process is confined by before it becomes the function. */
export interface Confinement {
  /** The `cgroup.procs` files of its control groups (limits). */
  readonly procs: readonly string[];
  /** Its mounts; undefined: the host's file system as it is. */
  readonly mounts?: MountPlan | undefined;
  /**
   * `limits.memory` where no control group bounds it: bytes of private writable memory each process
   * may map (RLIMIT_DATA, the `rlimit` step). Per process, not shared as a group's limit is.
   */
  readonly rlimitBytes?: number | undefined;
  /**
   * Killed when the gateway dies, however it dies (`setpriv --pdeathsig KILL`): a long-lived replica
   * that does not watch its IPC channel (any program but Sluice's runners) is not left behind.
   */
  readonly diesWithGateway?: boolean;
}

/**
 * What a replica's processes are confined by: its control groups and mounts, and its memory limit as
 * an rlimit when it has no control group to carry it (the host gives none, they are turned off, or
 * making them failed). The one place that decides which bounds `limits.memory`.
 */
export function confinementOf(spec: { limits?: { memoryBytes?: number } | undefined; mounts?: MountPlan | undefined }, cgroup: { procs: readonly string[] } | undefined): Confinement {
  return { procs: cgroup?.procs ?? [], mounts: spec.mounts, rlimitBytes: cgroup ? undefined : spec.limits?.memoryBytes };
}

/**
 * The shell line a confined process runs before it execs the function: `sh -c LINE sh ARG… -- argv…`.
 * In order of its arguments: join each control group (`procs=FILE`), link /var/openfaas/secrets to
 * the function's secrets on a small private tmpfs (`secrets=DIR`), remount everything read-only
 * (`readonly`), make the given paths writable again (`writable=DIR`) and, within those, the
 * function's own folder read-only once more (`sealed=DIR`), and bound the memory it may map
 * (`rlimit=KB`). Any step failing exits 125 before the function runs a moment outside its
 * confinement. Tools are found on the default PATH (`command -p`), whatever PATH the function sets.
 *
 * The rlimit is `ulimit -d`, RLIMIT_DATA, soft and hard (so a function without CAP_SYS_RESOURCE
 * cannot raise it). Since Linux 4.7 it counts a process's private writable mappings: what it has
 * allocated is bounded, the address space it only reserves (PROT_NONE) is not. `ulimit -v`
 * (RLIMIT_AS) counts those too, and V8 reserves a large address space at start: Node did not start
 * under it even at 256Mi (checked with Node 20 and dash as /bin/sh). Under RLIMIT_DATA node,
 * python3 and C programs start as usual, and a process over it gets ENOMEM from malloc/mmap: it
 * fails in its own way (`RangeError: Array buffer allocation failed`, `MemoryError`, `memory
 * exhausted`), not by the kernel's kill. Thread stacks count in full, used or not: Node maps about
 * 50 MiB before it runs any code, 80 MiB once its thread pool starts.
 */
export const CONFINE = [
  'while [ "$1" != -- ]; do',
  '  case "$1" in',
  '    procs=*) echo $$ > "${1#procs=}" ;;',
  '    secrets=*) { [ -d /var/openfaas ] || command -p mkdir -p /var/openfaas; } && command -p mount -t tmpfs -o size=16k,mode=0755 sluice /var/openfaas && command -p ln -s "${1#secrets=}" /var/openfaas/secrets ;;',
  '    readonly) while read -r _ _ _ _ m _; do case "$m" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) ;; *) command -p mount -o remount,bind,ro "$m" 2>/dev/null ;; esac; done < /proc/self/mountinfo; true ;;',
  '    writable=*) command -p mount --bind "${1#writable=}" "${1#writable=}" && command -p mount -o remount,bind,rw "${1#writable=}" ;;',
  '    sealed=*) command -p mount -o bind,ro "${1#sealed=}" "${1#sealed=}" ;;',
    '    rlimit=*) ulimit -d "${1#rlimit=}" ;;',
  '  esac || exit 125',
  '  shift',
  'done',
  'shift',
  'exec "$@"',
].join('\n');

/** util-linux's, by full path where Debian puts it: a function's own PATH does not matter. */
const UNSHARE = existsSync('/usr/bin/unshare') ? '/usr/bin/unshare' : 'unshare';
/** util-linux's too; where it is missing a replica is only as tied to the gateway as its program makes it. */
const DIE_WITH_PARENT = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--'] : [];

/** Environment names a POSIX shell passes on to what it execs; dash drops the others. */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The argv that runs `argv` confined: tied to the gateway's life when asked, in its control groups,
 * under its rlimit, and in a mount namespace of its own (`unshare`) when it has mounts; `argv`
 * itself when none of them. Variables
 * of `env` the shell would drop on the way (a CGI `Http_X_Foo.bar` from an odd header name) are handed back through `env`.
 */
export function confineArgv(confinement: Confinement, argv: readonly string[], env: Readonly<Record<string, string>>): string[] {
  const { procs, mounts, rlimitBytes } = confinement;
  // The parent-death signal first: it holds across the execs that follow (same process).
  const tie = confinement.diesWithGateway ? DIE_WITH_PARENT : [];
  // The rlimit last: the mount steps' own tools run unbounded.
  const rlimit = rlimitBytes === undefined ? [] : [`rlimit=${Math.floor(rlimitBytes / 1024)}`];
  const steps = [...procs.map((file) => `procs=${file}`), ...(mounts ? mountSteps(mounts) : []), ...rlimit];
  if (!steps.length) return [...tie, ...argv];
  const dropped = Object.keys(env).filter((name) => !SHELL_NAME.test(name));
  const restore = dropped.length ? ['/usr/bin/env', '--', ...dropped.map((name) => `${name}=${env[name]}`)] : [];
  const namespace = mounts && (mounts.secretsDir || mounts.readOnly) ? [UNSHARE, '--mount', '--propagation', 'private'] : [];
  return [...tie, ...namespace, '/bin/sh', '-c', CONFINE, 'sh', ...steps, '--', ...restore, ...argv];
}

/**
 * Whether this host lets Sluice give a process mounts of its own (root, util-linux's unshare, mount
 * namespaces): undefined when it does, else why not. Tried for real once, at start.
 */
export async function mountsUnsupported(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'it needs root, to make a mount namespace per replica';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-confine-'));
  try {
    await mkdir(path.join(dir, 'w'));
    const mounts = { secretsDir: dir, readOnly: true, writable: [path.join(dir, 'w')] };
    const check = `test -d ${OPENFAAS_SECRETS} && ! touch "$1/x" 2>/dev/null && touch "$1/w/x"`;
    const [program, ...args] = confineArgv({ procs: [], mounts }, ['/bin/sh', '-c', check, 'sh', dir], {}) as [string, ...string[]];
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', (err) => resolve({ code: null, stderr: err.message }));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    return result.code === 0 ? undefined : `making a mount namespace failed (${result.stderr.trim() || `exit ${result.code}`})`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function mountSteps(mounts: MountPlan): string[] {
  return [
    ...(mounts.secretsDir ? [`secrets=${mounts.secretsDir}`] : []),
    ...(mounts.readOnly ? ['readonly', ...(mounts.writable ?? []).map((dir) => `writable=${dir}`), ...(mounts.sealed ?? []).map((dir) => `sealed=${dir}`)] : []),
  ];
}

/**
 * The mounts a function's replicas get: its secrets at /var/openfaas/secrets, and with
 * `readOnlyRootFilesystem` a read-only root with /tmp and its socket folder (http mode) writable (its own folder
 * not, even inside /tmp). Undefined when
 * it needs none, or runs no process. `unsupported` (why the host gives no mounts) turns the plan
 * into a note for its log instead.
 */
export function mountPlan(
  want: { secretsDir: string | undefined; readOnly: boolean; runsProcess: boolean; socketDir: string | undefined; cwd: string },
  unsupported: string | undefined,
): { plan?: MountPlan; note?: string } {
  const { secretsDir, readOnly } = want;
  if (!want.runsProcess || (!secretsDir && !readOnly)) return {};
  if (unsupported !== undefined) {
    const missing = [secretsDir && `its secrets are only in $SLUICE_SECRETS_DIR, not at ${OPENFAAS_SECRETS}`, readOnly && 'readOnlyRootFilesystem is not enforced'];
    return { note: `${missing.filter(Boolean).join(', and ')}: ${unsupported}` };
  }
  return { plan: { ...(secretsDir ? { secretsDir } : {}), ...(readOnly ? { readOnly, writable: [os.tmpdir(), ...(want.socketDir ? [want.socketDir] : [])], sealed: [want.cwd] } : {}) } };
}
