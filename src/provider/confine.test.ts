import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONFINE, confineArgv, confinementOf, mountPlan, mountsUnsupported, OPENFAAS_SECRETS } from './confine.js';

/** Prints its pid, then its env as NAME=value lines (not a shell: that would drop odd names again). */
const PRINT = 'console.log([process.pid, ...Object.entries(process.env).map(([k, v]) => k + "=" + v)].join("\\n"))';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'sluice-confine-test-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

function run(argv: string[], env: Record<string, string> = { PATH: '/usr/bin:/bin' }): { status: number | null; stdout: string; stderr: string } {
  const [program, ...args] = argv as [string, ...string[]];
  return spawnSync(program, args, { env, encoding: 'utf8' });
}

describe('confineArgv: control groups', () => {
  it('leaves argv alone when there is nothing to confine it by', () => {
    assert.deepEqual(confineArgv({ procs: [] }, ['/bin/cat', '-n'], {}), ['/bin/cat', '-n']);
  });

  it('ties a replica to the gateway with a parent-death signal, set first so it holds through the execs', () => {
    assert.deepEqual(confineArgv({ procs: [], diesWithGateway: true }, ['/bin/cat'], {}), ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--', '/bin/cat']);
    assert.deepEqual(confineArgv({ procs: ['/g/cgroup.procs'], diesWithGateway: true }, ['/bin/cat'], {}).slice(0, 5), ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--', '/bin/sh']);
  });

  it('runs the program through the confining line, its arguments untouched, with no namespace for groups alone', () => {
    assert.deepEqual(confineArgv({ procs: ['/g/a/cgroup.procs', '/g/b/cgroup.procs'] }, ['/bin/cat', '-n'], { PATH: '/bin' }), [
      '/bin/sh', '-c', CONFINE, 'sh', 'procs=/g/a/cgroup.procs', 'procs=/g/b/cgroup.procs', '--', '/bin/cat', '-n',
    ]);
  });

  it("writes the process's own pid to each procs file, then execs the program with all of its env", async () => {
    const procs = [path.join(tmp, 'a'), path.join(tmp, 'b')];
    await Promise.all(procs.map((file) => writeFile(file, '')));
    // dash would drop the odd CGI name on the way to exec: it must come back.
    const env = { PATH: '/usr/bin:/bin', Http_X_Foo: 'plain', 'Http_X_Foo.bar': 'odd value', 'Http_A-b': '1' };
    const result = run(confineArgv({ procs }, [process.execPath, '-e', PRINT], env), env);
    assert.equal(result.status, 0, result.stderr);
    const [pid, ...lines] = result.stdout.trim().split('\n');
    for (const file of procs) assert.equal((await readFile(file, 'utf8')).trim(), pid);
    for (const [name, value] of Object.entries(env)) assert.ok(lines.includes(`${name}=${value}`), `${name} missing from ${lines.join(' ')}`);
  });

  it('fails with 125 before running anything when it cannot join', () => {
    const result = run(confineArgv({ procs: [path.join(tmp, 'no', 'such', 'cgroup.procs')] }, ['/bin/echo', 'ran'], {}));
    assert.equal(result.status, 125);
    assert.equal(result.stdout, '');
  });
});

describe('confineArgv: rlimit (limits.memory without control groups)', () => {
  const MiB = 2 ** 20;
  /** Allocates a Buffer of MB (memory it writes to, as a function's data would be), then says so. */
  const hold = (mb: number): string[] => [process.execPath, '-e', `console.log('held', Buffer.alloc(${mb} * 2 ** 20, 1).length / 2 ** 20)`];

  it('bounds the data each process may map, in KB, through the shell builtin and no namespace', () => {
    assert.deepEqual(confineArgv({ procs: [], rlimitBytes: 64 * MiB }, ['/bin/cat'], {}), ['/bin/sh', '-c', CONFINE, 'sh', 'rlimit=65536', '--', '/bin/cat']);
  });

  it('lets a Node process allocate within its limit, and fails one that allocates beyond it', () => {
    const within = run(confineArgv({ procs: [], rlimitBytes: 128 * MiB }, hold(16), {}));
    assert.equal(within.status, 0, within.stderr);
    assert.equal(within.stdout, 'held 16\n');
    const beyond = run(confineArgv({ procs: [], rlimitBytes: 128 * MiB }, hold(256), {}));
    assert.equal(beyond.status, 1);
    assert.match(beyond.stderr, /RangeError: Array buffer allocation failed/);
    const unbounded = run(confineArgv({ procs: [] }, hold(256), {}));
    assert.equal(unbounded.stdout, 'held 256\n', unbounded.stderr);
  });

  it('starts Node within 64Mi and a plain C program within 16Mi, the least limit Sluice takes', () => {
    // 64Mi: Node maps ~50 MiB before it runs code (its threads' stacks count in full); 16Mi is the least any limit may be.
    const node = run(confineArgv({ procs: [], rlimitBytes: 64 * MiB }, [process.execPath, '-e', 'console.log("up")'], {}));
    assert.equal(node.stdout, 'up\n', node.stderr);
    const sha = run(confineArgv({ procs: [], rlimitBytes: 16 * MiB }, ['/bin/sh', '-c', 'head -c 50000000 /dev/zero | sha512sum | cut -c1-8'], {}));
    assert.equal(sha.stdout, 'faf95103\n', sha.stderr);
  });

  it('starts python3 within 16Mi and stops it allocating beyond', { skip: spawnSync('python3', ['-V']).status !== 0 && 'no python3' }, () => {
    const py = (code: string): ReturnType<typeof run> => run(confineArgv({ procs: [], rlimitBytes: 16 * MiB }, ['python3', '-c', code], {}));
    assert.equal(py('print("up")').stdout, 'up\n');
    const beyond = py('x = bytearray(64 * 2**20)');
    assert.equal(beyond.status, 1);
    assert.match(beyond.stderr, /MemoryError/);
  });

  it('sets the hard limit too, so a function cannot raise it (but with CAP_SYS_RESOURCE)', () => {
    const result = run(confineArgv({ procs: [], rlimitBytes: 64 * MiB }, ['/bin/sh', '-c', 'ulimit -Sd; ulimit -Hd'], {}));
    assert.equal(result.stdout, '65536\n65536\n', result.stderr);
  });

  it('fails with 125 before running anything when the limit cannot be set', () => {
    const result = run(confineArgv({ procs: [], rlimitBytes: -1024 }, ['/bin/echo', 'ran'], {}));
    assert.equal(result.status, 125);
    assert.equal(result.stdout, '');
  });
});

describe('confinementOf', () => {
  const limits = { memoryBytes: 2 ** 27 };
  const mounts = { secretsDir: '/s' };

  it("takes the replica's control groups for its limits where it has them, with no rlimit", () => {
    assert.deepEqual(confinementOf({ limits, mounts }, { procs: ['/g/cgroup.procs'] }), { procs: ['/g/cgroup.procs'], mounts, rlimitBytes: undefined });
  });

  it('bounds each process by limits.memory where it has no group', () => {
    assert.deepEqual(confinementOf({ limits }, undefined), { procs: [], mounts: undefined, rlimitBytes: 2 ** 27 });
    assert.deepEqual(confinementOf({ limits: { cpus: 1 } as { memoryBytes?: number } }, undefined), { procs: [], mounts: undefined, rlimitBytes: undefined });
    assert.deepEqual(confinementOf({}, undefined), { procs: [], mounts: undefined, rlimitBytes: undefined });
  });
});

describe('confineArgv: mounts (root, in a mount namespace of its own)', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
  it('shows the secrets at /var/openfaas/secrets to the process only, following updates of the folder', async () => {
    const secrets = path.join(tmp, 'secrets');
    await mkdir(secrets);
    await writeFile(path.join(secrets, 'api-key'), 'v1');
    const argv = confineArgv({ procs: [], mounts: { secretsDir: secrets } }, ['/bin/sh', '-c', `cat ${OPENFAAS_SECRETS}/api-key`], {});
    assert.match(argv[0] as string, /unshare$/);
    assert.equal(run(argv).stdout, 'v1');
    await writeFile(path.join(secrets, 'api-key'), 'v2');
    assert.equal(run(argv).stdout, 'v2');
    assert.equal(existsSync(OPENFAAS_SECRETS), false, 'the host has no /var/openfaas/secrets of its own');
  });

  it('makes the root read-only but the writable folders (and not the sealed ones in them), and runs nothing when a mount step fails', async () => {
    const open = path.join(tmp, 'open');
    const sealed = path.join(open, 'code');
    await mkdir(sealed, { recursive: true });
    const check = `touch "$1/x" 2>/dev/null && echo wrote-closed; touch "$2/x" && echo wrote-open; touch "$3/x" 2>/dev/null && echo wrote-sealed; true`;
    const result = run(confineArgv({ procs: [], mounts: { readOnly: true, writable: [open], sealed: [sealed] } }, ['/bin/sh', '-c', check, 'sh', tmp, open, sealed], {}));
    assert.equal(result.stdout, 'wrote-open\n', result.stderr);
    const missing = run(confineArgv({ procs: [], mounts: { readOnly: true, writable: [path.join(tmp, 'nope')] } }, ['/bin/echo', 'ran'], {}));
    assert.equal(missing.status, 125);
    assert.equal(missing.stdout, '');
  });

  it('finds the host able to do it', async () => {
    assert.equal(await mountsUnsupported(), undefined);
  });
});

describe('mountPlan', () => {
  const want = { secretsDir: '/d/secrets/functions/fn', readOnly: false, runsProcess: true, socketDir: '/d/run', cwd: '/d/functions/fn' };

  it('plans only what the deployment asks for, and nothing for a function with no process', () => {
    assert.deepEqual(mountPlan(want, undefined), { plan: { secretsDir: '/d/secrets/functions/fn' } });
    assert.deepEqual(mountPlan({ ...want, secretsDir: undefined, readOnly: true }, undefined), { plan: { readOnly: true, writable: [os.tmpdir(), '/d/run'], sealed: ['/d/functions/fn'] } });
    assert.deepEqual(mountPlan({ ...want, secretsDir: undefined, readOnly: true, socketDir: undefined }, undefined), { plan: { readOnly: true, writable: [os.tmpdir()], sealed: ['/d/functions/fn'] } });
    assert.deepEqual(mountPlan({ ...want, secretsDir: undefined }, undefined), {});
    assert.deepEqual(mountPlan({ ...want, runsProcess: false, readOnly: true }, undefined), {});
  });

  it('says what the function goes without where the host gives no mounts', () => {
    assert.deepEqual(mountPlan({ ...want, readOnly: true }, 'it needs root'), {
      note: `its secrets are only in $SLUICE_SECRETS_DIR, not at ${OPENFAAS_SECRETS}, and readOnlyRootFilesystem is not enforced: it needs root`,
    });
    assert.deepEqual(mountPlan({ ...want, secretsDir: undefined, readOnly: true }, 'no unshare'), { note: 'readOnlyRootFilesystem is not enforced: no unshare' });
  });
});
