import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JOIN_AND_EXEC, joinArgv } from './cgroups.js';

/** Prints its pid, then its env as NAME=value lines (not a shell: that would drop odd names again). */
const PRINT = 'console.log([process.pid, ...Object.entries(process.env).map(([k, v]) => k + "=" + v)].join("\\n"))';

describe('joinArgv', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'sluice-cgroups-'));
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  it('runs the program through the join line, its arguments untouched', () => {
    assert.deepEqual(joinArgv(['/g/a/cgroup.procs', '/g/b/cgroup.procs'], ['/bin/cat', '-n'], { PATH: '/bin' }), [
      '/bin/sh', '-c', JOIN_AND_EXEC, 'sh', '/g/a/cgroup.procs', '/g/b/cgroup.procs', '--', '/bin/cat', '-n',
    ]);
  });

  it("writes the process's own pid to each procs file, then execs the program with all of its env", async () => {
    const procs = [path.join(tmp, 'a'), path.join(tmp, 'b')];
    await Promise.all(procs.map((file) => writeFile(file, '')));
    // dash would drop the odd CGI name on the way to exec: it must come back.
    const env = { PATH: '/usr/bin:/bin', Http_X_Foo: 'plain', 'Http_X_Foo.bar': 'odd value', 'Http_A-b': '1' };
    const [program, ...args] = joinArgv(procs, [process.execPath, '-e', PRINT], env) as [string, ...string[]];
    const run = spawnSync(program, args, { env, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const [pid, ...lines] = run.stdout.trim().split('\n');
    for (const file of procs) assert.equal((await readFile(file, 'utf8')).trim(), pid);
    for (const [name, value] of Object.entries(env)) assert.ok(lines.includes(`${name}=${value}`), `${name} missing from ${lines.join(' ')}`);
  });

  it('fails with 125 before running anything when it cannot join', () => {
    const [program, ...args] = joinArgv([path.join(tmp, 'no', 'such', 'cgroup.procs')], ['/bin/echo', 'ran'], {}) as [string, ...string[]];
    const run = spawnSync(program, args, { encoding: 'utf8' });
    assert.equal(run.status, 125);
    assert.equal(run.stdout, '');
  });
});
