/**
 * `ready`, `completion`, `generate` and `template` (issue 7, part 5): fake gateways for `ready`,
 * temp folders for the rest.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { EXIT } from './_errors.js';
import { captureIo, closedGatewayUrl, fakeGateway } from './_test-support.js';
import { createProgram, runCli } from './program.js';

let workDir = '';
let refused = '';

before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'sluice-cli-extra-'));
  refused = await closedGatewayUrl();
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** A fresh folder under workDir for one test. */
async function folder(name: string): Promise<string> {
  const dir = path.join(workDir, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('sluice ready', () => {
  let lookups = 0;
  const gateway = fakeGateway((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(200).end('OK');
    if (req.url === '/system/function/slow') {
      lookups++;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'slow', replicas: 1, availableReplicas: lookups >= 2 ? 1 : 0 }));
    }
    res.writeHead(404).end('{"code":"ERR_FUNCTION_NOT_FOUND","message":"function not found"}');
  });

  it('waits for the gateway: GET /healthz answering 200 is ready, exit 0', async () => {
    const { io, stdout } = captureIo(workDir);
    assert.equal(await runCli(['ready', '-g', gateway.url()], io), EXIT.ok);
    assert.equal(stdout(), `Gateway ${gateway.url()} is ready\n`);
  });

  it('looks again until the function has an available replica, progress only at a terminal', async () => {
    lookups = 0;
    const { io, stdout, stderr } = captureIo(workDir, { isTTY: true });
    assert.equal(await runCli(['ready', 'slow', '--interval', '10ms', '--json', '-g', gateway.url()], io), EXIT.ok);
    assert.deepEqual(JSON.parse(stdout()), { ready: true, target: 'function', name: 'slow', attempts: 2 });
    assert.match(stderr(), /\[1\/60\] Waiting for function slow\n\[1\/60\] 0 available replica\(s\) of 1\n\[2\/60\] Waiting/);
  });

  it('gives up after --attempts with exit 1 and says what it waited for, quiet in a pipe', async () => {
    const { io, stdout, stderr } = captureIo(workDir);
    const started = Date.now();
    assert.equal(await runCli(['ready', 'missing', '--attempts', '3', '--interval', '20ms', '-g', gateway.url()], io), EXIT.failed);
    assert.ok(Date.now() - started < 2000);
    assert.equal(stdout(), '');
    assert.equal(stderr(), 'Error: function missing not ready after 3 attempt(s) (60ms): function missing is not deployed\n');
  });

  it('counts an unreachable gateway as not ready (exit 1, not 3)', async () => {
    const { io, stderr } = captureIo(workDir);
    assert.equal(await runCli(['ready', '--attempts', '2', '--interval', '10ms', '-g', refused], io), EXIT.failed);
    assert.match(stderr(), /^Error: gateway http:\/\/127\.0\.0\.1:\d+ not ready after 2 attempt\(s\) \(20ms\): cannot reach the gateway/);
  });

  it('refuses --attempts 0 and a bad --interval as usage errors', async () => {
    assert.equal(await runCli(['ready', '--attempts', '0', '-g', refused], captureIo(workDir).io), EXIT.usage);
    assert.equal(await runCli(['ready', '--interval', 'soon', '-g', refused], captureIo(workDir).io), EXIT.usage);
  });
});

describe('sluice completion', () => {
  /** Every command path of the program, aliases included: what the scripts must offer. */
  const commandNames = (): string[] => {
    const names: string[] = [];
    const walk = (cmd: ReturnType<typeof createProgram>): void => {
      for (const sub of cmd.commands) {
        names.push(sub.name(), ...sub.aliases());
        walk(sub);
      }
    };
    walk(createProgram(captureIo(workDir).io));
    return names;
  };

  for (const shell of ['bash', 'zsh']) {
    it(`${shell}: names every command and alias of the program`, async () => {
      const { io, stdout } = captureIo(workDir);
      assert.equal(await runCli(['completion', shell], io), EXIT.ok);
      for (const name of commandNames()) assert.ok(stdout().includes(`'${name}`) || stdout().includes(` ${name}`), `${shell} script lacks ${name}`);
      assert.match(stdout(), /--replicas/);
    });
  }

  it('bash: the script parses (bash -n) and completes subcommands and flags', async () => {
    const { io, stdout } = captureIo(workDir);
    await runCli(['completion', 'bash'], io);
    const file = path.join(await folder('completion'), 'sluice.bash');
    await writeFile(file, stdout());
    assert.equal(spawnSync('bash', ['-n', file]).status, 0);
    const probe = `source ${file}; COMP_WORDS=(sluice calls l); COMP_CWORD=2; _sluice; echo "\${COMPREPLY[*]}"; COMP_WORDS=(sluice secret ls --j); COMP_CWORD=3; _sluice; echo "\${COMPREPLY[*]}"`;
    assert.equal(spawnSync('bash', ['-c', probe]).stdout.toString(), 'list ls\n--json\n');
  });

  it('zsh: the script parses, and sourced after compinit defines _sluice as the completion of sluice', async () => {
    const file = await zshScriptFile();
    const check = spawnSync('zsh', ['-n', file]);
    assert.equal(check.status, 0, check.stderr.toString());
    const probe = `autoload -U compinit; compinit -u -D; source ${file}; print -r -- "\${_comps[sluice]}"; whence -w _sluice`;
    const loaded = spawnSync('zsh', ['-f', '-c', probe]);
    assert.equal(loaded.stdout.toString(), '_sluice\n_sluice: function\n', loaded.stderr.toString());
  });

  it('zsh: completes commands, aliases, flags and file names after -f, in a real zsh line editor', async () => {
    const file = await zshScriptFile();
    const cwd = await folder('completion-cwd');
    await writeFile(path.join(cwd, 'stack.yml'), '');
    const matches = zshMatches(`source ${file}`, cwd, ['sluice ca', 'sluice calls l', 'sluice secret ls --j', 'sluice -g http://x list --q', 'sluice -f st', 'sluice worker --me']);
    assert.deepEqual(Object.fromEntries(matches), {
      'sluice ca': ['calls'],
      'sluice calls l': ['list', 'ls'],
      'sluice secret ls --j': ['--json'],
      'sluice -g http://x list --q': ['--quiet'],
      'sluice -f st': ['stack.yml'],
      'sluice worker --me': ['--metrics-port'],
    });
    const [[, first = []] = []] = zshMatches(`source ${file}`, cwd, ['sluice ']);
    for (const name of ['build', 'calls', 'deploy', 'list', 'ls', 'rm', '--gateway', '-f']) assert.ok(first.includes(name), `sluice <TAB> lacks ${name}: ${first.join(' ')}`);
  });

  it('zsh: saved as _sluice in $fpath, completes on the very first TAB (compinit autoloads it then)', async () => {
    const dir = await folder('completion-fpath');
    await writeFile(path.join(dir, '_sluice'), await readFile(await zshScriptFile(), 'utf8'));
    const matches = zshMatches(`fpath=(${dir} $fpath)`, dir, ['sluice calls l', 'sluice calls l']);
    assert.deepEqual(matches, [
      ['sluice calls l', ['list', 'ls']],
      ['sluice calls l', ['list', 'ls']],
    ]);
  });

  it('refuses a shell it has no script for (exit 2)', async () => {
    const { io, stderr } = captureIo(workDir);
    assert.equal(await runCli(['completion', 'fish'], io), EXIT.usage);
    assert.match(stderr(), /no completion for fish: use one of bash, zsh/);
  });
});

/** `sluice completion zsh`, written to a file. */
async function zshScriptFile(): Promise<string> {
  const { io, stdout } = captureIo(workDir);
  assert.equal(await runCli(['completion', 'zsh'], io), EXIT.ok);
  const file = path.join(await folder('completion'), 'sluice.zsh');
  await writeFile(file, stdout());
  return file;
}

/**
 * What zsh's completion offers for each of `lines`, TAB pressed at its end, in a real zsh line
 * editor: an interactive `zsh -f` in a pseudo-terminal (zsh/zpty) with compinit, after `load`
 * (`source FILE`, or an `fpath=(…)` line, which runs before compinit). compadd is wrapped to
 * write the matches it keeps — those that fit the word typed — to a file, so nothing depends on
 * reading the terminal. Each line is then killed (^U) and a marker printed, which also says the
 * TAB was handled. Gives each line with its matches, in order.
 */
function zshMatches(load: string, cwd: string, lines: string[]): [line: string, matches: string[]][] {
  const setup = [
    'bindkey -e',
    "PS1='> '",
    load.startsWith('fpath=') ? load : '',
    'autoload -U compinit && compinit -u -D',
    load.startsWith('fpath=') ? '' : load,
    'compadd() { local -a kept; builtin compadd -O kept "$@"; print -rl -- $kept >> $SLUICE_MATCHES; builtin compadd "$@" }',
  ].join('\n');
  const driver = `zmodload zsh/zpty
out=$SLUICE_MATCHES
waitdone() { for i in {1..200}; do grep -qx '<done>' $out && return; sleep 0.05; done; print -r -- '<timeout>' }
: > $out
zpty z zsh -f -i
zpty -w z "source $SLUICE_SETUP; print -r -- '<done>' >> $out"
waitdone
for line in "$@"; do
  : > $out
  zpty -w -n z "$line"$'\\t\\x15'"print -r -- '<done>' >> $out"$'\\n'
  waitdone
  print -r -- "== $line"
  grep -vx '<done>' $out | sort -u
done
zpty -d z
`;
  const dir = mkdtempSync(path.join(workDir, 'zsh-'));
  const files = { SLUICE_SETUP: path.join(dir, 'setup.zsh'), SLUICE_MATCHES: path.join(dir, 'matches') };
  writeFileSync(files.SLUICE_SETUP, `${setup}\n`);
  const run = spawnSync('zsh', ['-f', '-c', driver, 'zsh', ...lines], { cwd, env: { ...process.env, ...files }, timeout: 60_000 });
  const output = run.stdout.toString();
  assert.equal(run.status, 0, `${output}${run.stderr.toString()}`);
  assert.doesNotMatch(output, /<timeout>/, `zsh did not finish a completion:\n${output}`);
  const matches: [string, string[]][] = [];
  for (const line of output.split('\n').filter(Boolean)) {
    if (line.startsWith('== ')) matches.push([line.slice(3), []]);
    else matches.at(-1)?.[1].push(line);
  }
  return matches;
}

const STACK = `version: 1.0
provider:
  name: openfaas
functions:
  one:
    lang: node-ts
    handler: ./one
    image: reg/one:1
    environment: { GREETING: hi }
    labels: { team: a }
    annotations: { topic: t }
    secrets: [ api-key ]
    limits: { memory: 128Mi }
    requests: { cpu: 50m }
    constraints: [ 'node.platform.os == linux' ]
    readonly_root_filesystem: true
  two:
    image: reg/two:2
    fprocess: wc -l
`;

describe('sluice generate', () => {
  const generate = async (args: string[]): Promise<{ code: number; docs: Record<string, unknown>[]; stderr: string }> => {
    const dir = await folder('generate');
    await writeFile(path.join(dir, 'stack.yml'), STACK);
    const { io, stdout, stderr } = captureIo(dir);
    const code = await runCli(['generate', ...args], io);
    const docs = parseAllDocuments(stdout()).map((doc) => doc.toJS() as Record<string, unknown>);
    return { code, docs, stderr: stderr() };
  };

  it('prints one openfaas.com/v1 Function per function, fields from the stack', async () => {
    const { code, docs } = await generate([]);
    assert.equal(code, EXIT.ok);
    assert.deepEqual(docs, [
      {
        apiVersion: 'openfaas.com/v1',
        kind: 'Function',
        metadata: { name: 'one', namespace: 'openfaas-fn' },
        spec: { name: 'one', image: 'reg/one:1', environment: { GREETING: 'hi' }, labels: { team: 'a' }, annotations: { topic: 't' }, limits: { memory: '128Mi' }, requests: { cpu: '50m' }, constraints: ['node.platform.os == linux'], secrets: ['api-key'], readOnlyRootFilesystem: true },
      },
      { apiVersion: 'openfaas.com/v1', kind: 'Function', metadata: { name: 'two', namespace: 'openfaas-fn' }, spec: { name: 'two', image: 'reg/two:2' } },
    ]);
  });

  it('--api apps/v1 prints a Deployment and a Service per function, in -n', async () => {
    const { code, docs } = await generate(['--api', 'apps/v1', '-n', 'fns']);
    assert.equal(code, EXIT.ok);
    assert.deepEqual(docs.map((doc) => `${String(doc['kind'])}/${String((doc['metadata'] as { name: string }).name)}`), ['Deployment/one', 'Service/one', 'Deployment/two', 'Service/two']);
    const deployment = docs[2] as { metadata: { namespace: string }; spec: { template: { spec: { containers: { image: string; env: unknown; ports: unknown }[] } } } };
    assert.equal(deployment.metadata.namespace, 'fns');
    const [container] = deployment.spec.template.spec.containers;
    assert.equal(container?.image, 'reg/two:2');
    assert.deepEqual(container?.env, [{ name: 'fprocess', value: 'wc -l' }]);
    assert.deepEqual(container?.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    const service = docs[1] as { spec: { selector: unknown; ports: { port: number }[] } };
    assert.deepEqual(service.spec.selector, { faas_function: 'one' });
    assert.equal(service.spec.ports[0]?.port, 8080);
  });

  it('refuses an unknown --api (exit 2) and a missing stack file (exit 4)', async () => {
    assert.equal((await generate(['--api', 'serving.knative.dev/v1'])).code, EXIT.usage);
    assert.equal(await runCli(['generate'], captureIo(await folder('generate-empty')).io), EXIT.local);
  });
});

describe('sluice template', () => {
  /** A source folder in faas-cli's layout: template/<name>/{template.yml,function/}. */
  const source = async (name: string, templateYml: string): Promise<string> => {
    const dir = await folder(`source-${name}`);
    await mkdir(path.join(dir, 'template', name, 'function'), { recursive: true });
    await writeFile(path.join(dir, 'template', name, 'template.yml'), templateYml);
    await writeFile(path.join(dir, 'template', name, 'function', 'handler.sh'), 'cat\n');
    return dir;
  };

  it('pull copies the templates into ./template, keeps them after unless --overwrite, and new uses them', async () => {
    const from = await source('shout', 'language: shout\ndescription: Shouts\nmode: streaming\nbase: bash\n');
    const cwd = await folder('pull-target');
    const first = captureIo(cwd);
    assert.equal(await runCli(['template', 'pull', from], first.io), EXIT.ok, first.stderr());
    assert.equal(first.stdout(), 'Wrote template shout to ./template/shout\n');
    await writeFile(path.join(from, 'template', 'shout', 'template.yml'), 'language: shout\ndescription: Louder\nmode: streaming\nbase: bash\n');
    const again = captureIo(cwd);
    assert.equal(await runCli(['template', 'pull', from, '--json'], again.io), EXIT.ok);
    assert.deepEqual(JSON.parse(again.stdout()), { written: [], skipped: ['shout'] });
    assert.equal(await runCli(['template', 'pull', from, '--overwrite'], captureIo(cwd).io), EXIT.ok);
    assert.match(await readFile(path.join(cwd, 'template', 'shout', 'template.yml'), 'utf8'), /Louder/);

    const list = captureIo(cwd);
    assert.equal(await runCli(['template', 'list', '--json'], list.io), EXIT.ok);
    const templates = JSON.parse(list.stdout()) as { name: string; source: string; mode: string }[];
    assert.deepEqual(templates.find((t) => t.name === 'shout'), { name: 'shout', description: 'Louder', mode: 'streaming', aliases: [], source: './template' });
    assert.equal(templates.find((t) => t.name === 'node-ts')?.source, 'built-in');

    assert.equal(await runCli(['new', 'loud', '--lang', 'shout'], captureIo(cwd).io), EXIT.ok);
    assert.equal(await readFile(path.join(cwd, 'loud', 'handler.sh'), 'utf8'), 'cat\n');
  });

  it('refuses a template.yml that does not load, writing nothing', async () => {
    const from = await source('broken', 'mode: [not, a, mode]\n');
    const cwd = await folder('pull-broken');
    const { io, stderr } = captureIo(cwd);
    assert.notEqual(await runCli(['template', 'pull', from], io), EXIT.ok);
    assert.match(stderr(), /broken.*template\.yml is invalid/);
    assert.equal(existsSync(path.join(cwd, 'template', 'broken')), false);
  });

  it('pull clones a git URL, URL#tag giving that tag\'s templates', async () => {
    const repo = await gitRepo('shout', 'language: shout\ndescription: v1\nmode: streaming\nbase: bash\n');
    const cwd = await folder('pull-git');
    const env = { PATH: process.env['PATH'] };
    const first = captureIo(cwd, { env });
    assert.equal(await runCli(['template', 'pull', `${pathToFileURL(repo).href}#v1`], first.io), EXIT.ok, first.stderr());
    assert.equal(first.stdout(), 'Wrote template shout to ./template/shout\n');
    assert.match(await readFile(path.join(cwd, 'template', 'shout', 'template.yml'), 'utf8'), /v1/);
    assert.equal(await runCli(['template', 'pull', pathToFileURL(repo).href, '--overwrite'], captureIo(cwd, { env }).io), EXIT.ok);
    assert.match(await readFile(path.join(cwd, 'template', 'shout', 'template.yml'), 'utf8'), /v2/, 'the default branch has v2');
    const missing = captureIo(cwd, { env });
    assert.equal(await runCli(['template', 'pull', `${pathToFileURL(repo).href}#v9`], missing.io), EXIT.failed);
    assert.match(missing.stderr(), /^Error: git clone file:.* failed: /);
  });

  it('refuses a folder without templates, or no folder, as usage errors', async () => {
    const cwd = await folder('pull-none');
    const { io, stderr } = captureIo(cwd);
    assert.equal(await runCli(['template', 'pull', cwd], io), EXIT.usage);
    assert.match(stderr(), /holds no templates/);
    assert.equal(await runCli(['template', 'pull', 'no-such-folder'], captureIo(cwd).io), EXIT.usage);
  });
});

describe('sluice template pull stack', () => {
  const env = { PATH: process.env['PATH'] };
  const STACK = (templates: string) => `provider: {name: openfaas}\nconfiguration:\n  templates:\n${templates}functions:\n  loud: {lang: shout, handler: ./loud}\n`;

  it('pulls each listed template, only that one, from a git URL#ref or a folder beside the stack file', async () => {
    const repo = await gitRepo('shout', 'language: shout\ndescription: v1\nmode: streaming\nbase: bash\n', 'whisper');
    const cwd = await folder('stack-pull');
    await mkdir(path.join(cwd, 'sources', 'template', 'quiet'), { recursive: true });
    await writeFile(path.join(cwd, 'sources', 'template', 'quiet', 'template.yml'), 'language: quiet\nmode: streaming\nbase: bash\n');
    const templates = `    - {name: shout, source: "${pathToFileURL(repo).href}#v1"}\n    - {name: quiet, source: ./sources}\n    - {name: node20}\n`;
    await writeFile(path.join(cwd, 'stack.yml'), STACK(templates));
    const first = captureIo(cwd, { env });
    assert.equal(await runCli(['template', 'pull', 'stack'], first.io), EXIT.ok, first.stderr());
    assert.equal(
      first.stdout(),
      'Wrote template shout to ./template/shout\nWrote template quiet to ./template/quiet\nTemplate node20 has no source: using the one Sluice has (sluice template list)\n',
    );
    assert.match(await readFile(path.join(cwd, 'template', 'shout', 'template.yml'), 'utf8'), /v1/);
    assert.equal(existsSync(path.join(cwd, 'template', 'whisper')), false, 'only the template named is pulled');

    const again = captureIo(cwd, { env });
    assert.equal(await runCli(['template', 'pull', 'stack', '--json'], again.io), EXIT.ok, again.stderr());
    assert.deepEqual(JSON.parse(again.stdout()), { written: [], skipped: ['shout', 'quiet'], found: ['node20'] });
    const overwrite = captureIo(cwd, { env });
    assert.equal(await runCli(['template', 'pull', 'stack', '--overwrite', '--json'], overwrite.io), EXIT.ok, overwrite.stderr());
    assert.deepEqual(JSON.parse(overwrite.stdout()), { written: ['shout', 'quiet'], skipped: [], found: ['node20'] });
  });

  it('reads the stack named by -f and writes template/ beside it', async () => {
    const cwd = await folder('stack-pull-f');
    await mkdir(path.join(cwd, 'app', 'src', 'template', 'quiet'), { recursive: true });
    await writeFile(path.join(cwd, 'app', 'src', 'template', 'quiet', 'template.yml'), 'language: quiet\nmode: streaming\nbase: bash\n');
    await writeFile(path.join(cwd, 'app', 'fns.yml'), STACK('    - {name: quiet, source: ./src}\n'));
    const { io, stdout, stderr } = captureIo(cwd, { env });
    assert.equal(await runCli(['template', 'pull', 'stack', '-f', 'app/fns.yml'], io), EXIT.ok, stderr());
    assert.equal(stdout(), 'Wrote template quiet to ./app/template/quiet\n');
    assert.ok(existsSync(path.join(cwd, 'app', 'template', 'quiet', 'template.yml')));
  });

  it('names the entry whose source lacks its template, or that has no source and no template here (exit 4)', async () => {
    const cwd = await folder('stack-pull-bad');
    await mkdir(path.join(cwd, 'sources', 'template', 'quiet'), { recursive: true });
    await writeFile(path.join(cwd, 'sources', 'template', 'quiet', 'template.yml'), 'language: quiet\nmode: streaming\nbase: bash\n');
    await writeFile(path.join(cwd, 'stack.yml'), STACK('    - {name: shout, source: ./sources}\n'));
    const lacking = captureIo(cwd, { env });
    assert.equal(await runCli(['template', 'pull', 'stack'], lacking.io), EXIT.local);
    assert.match(lacking.stderr(), /configuration\.templates\[0\] \(shout\): \.\/sources has no template "shout"; it has quiet/);
    await writeFile(path.join(cwd, 'stack.yml'), STACK('    - {name: cobol}\n'));
    const unknown = captureIo(cwd, { env });
    assert.equal(await runCli(['template', 'pull', 'stack'], unknown.io), EXIT.local);
    assert.match(unknown.stderr(), /configuration\.templates\[0\] \(cobol\): no source, and Sluice has no template store/);
    await writeFile(path.join(cwd, 'stack.yml'), STACK('    - {name: shout, source: ./nowhere}\n'));
    const nowhere = captureIo(cwd, { env });
    assert.equal(await runCli(['template', 'pull', 'stack'], nowhere.io), EXIT.local);
    assert.match(nowhere.stderr(), /configuration\.templates\[0\] \(shout\): \.\/nowhere: no such folder/);
  });

  it('build pulls a listed template it lacks, unless --disable-stack-pull', async () => {
    const cwd = await folder('stack-pull-build');
    await mkdir(path.join(cwd, 'sources', 'template', 'shout'), { recursive: true });
    await writeFile(path.join(cwd, 'sources', 'template', 'shout', 'template.yml'), 'language: shout\nmode: streaming\nbase: bash\n');
    await mkdir(path.join(cwd, 'loud'));
    await writeFile(path.join(cwd, 'loud', 'handler.sh'), 'cat\n');
    await writeFile(path.join(cwd, 'stack.yml'), STACK('    - {name: shout, source: ./sources}\n'));
    const disabled = captureIo(cwd, { env });
    assert.equal(await runCli(['build', '--disable-stack-pull'], disabled.io), EXIT.local);
    assert.match(disabled.stderr(), /template "shout" not found/);
    const build = captureIo(cwd, { env });
    assert.equal(await runCli(['build'], build.io), EXIT.ok, build.stderr());
    assert.ok(existsSync(path.join(cwd, 'template', 'shout', 'template.yml')));
    assert.equal(build.stdout(), 'Built loud: build/loud\n');
  });

  it('is a usage error when the stack lists no templates', async () => {
    const cwd = await folder('stack-pull-none');
    await writeFile(path.join(cwd, 'stack.yml'), 'provider: {name: openfaas}\nfunctions: {}\n');
    const { io, stderr } = captureIo(cwd, { env });
    assert.equal(await runCli(['template', 'pull', 'stack'], io), EXIT.usage);
    assert.match(stderr(), /stack\.yml lists no templates to pull: add configuration\.templates/);
  });
});

/**
 * A git repository holding template/<name> (and template/<other> when given): tagged v1 with
 * `templateYml`, then a second commit on the default branch saying v2.
 */
async function gitRepo(name: string, templateYml: string, other?: string): Promise<string> {
  const dir = await folder(`repo-${name}-${other ?? ''}`);
  for (const template of [name, ...(other ? [other] : [])]) {
    await mkdir(path.join(dir, 'template', template), { recursive: true });
    await writeFile(path.join(dir, 'template', template, 'template.yml'), templateYml.replace(`language: ${name}`, `language: ${template}`));
  }
  const git = (...args: string[]): void => {
    const done = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: dir });
    assert.equal(done.status, 0, done.stderr.toString());
  };
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'v1');
  git('tag', 'v1');
  await writeFile(path.join(dir, 'template', name, 'template.yml'), templateYml.replace('v1', 'v2'));
  git('commit', '-q', '-am', 'v2');
  return dir;
}
