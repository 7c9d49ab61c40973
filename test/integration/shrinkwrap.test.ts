/**
 * `sluice build --shrinkwrap`: the Dockerfile is complete, and the bundled `sluice watchdog` started
 * with exactly its ENV lines (plus this host's free ports) serves the function — as a container would.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CLI, cleanup, descendants, eventually, tempDir } from '../harness.js';

const run = promisify(execFile);

const FUNCTIONS: Record<string, { lang: string; file: string; source: string; expect: RegExp }> = {
  'ts-fn': {
    lang: 'node20',
    file: 'handler.ts',
    source: 'export default async (event: any) => `ts ${event.method} ${event.path} ${JSON.stringify(event.query)} ${event.body}`;\n',
    expect: /^ts PUT \/a\/b \{"x":"1"\} hi$/,
  },
  'py-fn': {
    lang: 'python3-http',
    file: 'handler.py',
    source: 'def handle(event, context):\n    return {"statusCode": 200, "body": "py %s %s %s %s" % (event.method, event.path, event.query.get("x"), event.body.decode())}\n',
    expect: /^py PUT \/a\/b 1 hi$/,
  },
  'sh-fn': {
    lang: 'bash',
    file: 'handler.sh',
    source: 'read -r body\necho "sh $Http_Method $Http_Path $Http_Query $body"\n',
    expect: /^sh PUT \/a\/b x=1 hi$/,
  },
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The ENV lines of a Dockerfile, as the container would see them. */
function envOf(dockerfile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, key, value] of dockerfile.matchAll(/^ENV (\w+)=(.*)$/gm)) env[key as string] = JSON.parse(value as string) as string;
  return env;
}

describe('sluice build --shrinkwrap', async () => {
  const project = await tempDir('sluice-shrinkwrap-');
  const stack = ['version: 1.0', 'provider:', '  name: openfaas', 'functions:'];
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    await mkdir(path.join(project, name));
    await writeFile(path.join(project, name, fn.file), fn.source);
    stack.push(`  ${name}:`, `    lang: ${fn.lang}`, `    handler: ./${name}`, `    image: ${name}:latest`, '    environment:', '      GREETING: "from stack.yml"');
  }
  await writeFile(path.join(project, 'stack.yml'), `${stack.join('\n')}\n`);
  after(cleanup);

  it('writes a build context per function and says so', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'build', '--shrinkwrap'], { cwd: project });
    for (const name of Object.keys(FUNCTIONS)) assert.match(stdout, new RegExp(`Built ${name}: build/${name} \\(with Dockerfile\\)`));
  });

  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    it(`${name} (${fn.lang}): the Dockerfile is complete and its ENV lines alone make the function serve`, async () => {
      const dir = path.join(project, 'build', name);
      const dockerfile = await readFile(path.join(dir, 'Dockerfile'), 'utf8');
      for (const line of ['FROM node:20-bookworm-slim', 'WORKDIR /home/app', 'COPY --chown=app:app . .', 'USER app', 'EXPOSE 8080 8081']) {
        assert.ok(dockerfile.split('\n').includes(line), `Dockerfile has "${line}"`);
      }
      assert.match(dockerfile, /^CMD \["node", "\.sluice\/sluice", "watchdog"\]$/m);
      assert.match(dockerfile, /^HEALTHCHECK .*"-run-healthcheck"\]$/m);
      if (fn.lang.startsWith('python')) assert.match(dockerfile, /apt-get install -y --no-install-recommends python3 /);
      const env = envOf(dockerfile);
      assert.equal(env['GREETING'], 'from stack.yml', 'the function environment is in the image');
      assert.ok(env['mode'] && env['fprocess'], 'mode and fprocess are set');

      // The container, minus the container: the bundled sluice, in the bundle folder, with those ENV lines.
      const [port, lock] = [await freePort(), path.join(dir, '.lock')];
      const hostOnly = { PATH: process.env['PATH'] ?? '', port: String(port), metrics_port: '0', lock_file: lock, healthcheck_interval: '100ms' };
      const watchdog = spawn(process.execPath, ['.sluice/sluice', 'watchdog'], { cwd: dir, env: { ...env, ...hostOnly }, stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      watchdog.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => watchdog.once('exit', (code) => resolve(code)));
      try {
        await eventually(() => /Listening on port/.test(log), 10_000, `watchdog of ${name} listening:\n${log}`);
        const res = await fetch(`http://127.0.0.1:${port}/a/b?x=1`, { method: 'PUT', body: 'hi\n' });
        assert.equal(res.status, 200, log);
        assert.match((await res.text()).trim(), fn.expect);
        const health = await run(process.execPath, [path.join(dir, '.sluice/sluice'), 'watchdog', '-run-healthcheck'], { cwd: dir, env: { ...env, ...hostOnly } });
        assert.equal(health.stderr, '');
      } finally {
        const children = descendants(watchdog.pid as number);
        watchdog.kill('SIGTERM');
        assert.equal(await exited, 0, log);
        assert.deepEqual(children.filter((pid) => existsSync(`/proc/${pid}`)), [], 'the function process stopped with the watchdog');
      }
      assert.equal(existsSync(lock), false, 'the lock file is removed at SIGTERM');
      await assert.rejects(run(process.execPath, [path.join(dir, '.sluice/sluice'), 'watchdog', '-run-healthcheck'], { cwd: dir, env: { ...env, ...hostOnly } }), { code: 1 });
    });
  }
});
