/**
 * OpenFaaS's conformance suite, the certifier (openfaas/certifier, tests/*.go), rewritten against a
 * real Sluice gateway: for every check that applies to a single-namespace provider, the same
 * requests and the same expectations, grouped by the certifier file they come from.
 *
 * How the certifier's cases translate:
 * - Its functions are `functions/alpine:latest` images with an `fprocess` (`env`, `sha512sum`,
 *   `cat …`). Sluice runs an image-only deployment's `envProcess` on this host in fork mode, as the
 *   classic watchdog does, so these deploy as they are.
 * - Requests are those of the Go client it uses (faas-cli's `proxy.Client`): deployments carry
 *   `"labels"`/`"annotations"` (`null` when unset), omit empty `envVars`, and go to POST (PUT with
 *   `Update`, falling back to POST on 404); list/get/secrets send `?namespace=openfaas-fn`;
 *   invocations go to `/function/<name>.openfaas-fn` and do not follow redirects.
 * - `CERTIFIER_NAMESPACES` (extra namespaces) is unset: Sluice serves `openfaas-fn` only, so every
 *   `copyNamespacesTest` copy and the namespaced secret cases do not exist here.
 * - Where the certifier polls (30 tries, 750 ms apart) this polls with `eventually`.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FunctionStatus } from '../../src/api/index.js';
import { cleanup, eventually, startSluice, steadyLoad, tempDir, type SluiceNode } from '../harness.js';

const NAMESPACE = 'openfaas-fn';
const IMAGE = 'functions/alpine:latest';

let node: SluiceNode;

/** faas-cli's `DeployFunctionSpec`, the certifier's way of describing a function. */
interface Spec {
  name: string;
  image?: string;
  fprocess?: string;
  envVars?: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  secrets?: string[];
  update?: boolean;
}

/** What the certifier reads back: every field but the name and image may be absent. */
type Status = Partial<FunctionStatus> & Pick<FunctionStatus, 'name' | 'image'>;

/** The JSON body the Go client sends: a `types.FunctionDeployment` with its omitempty rules. */
function deploymentOf(spec: Spec): Record<string, unknown> {
  return {
    service: spec.name,
    image: spec.image ?? IMAGE,
    namespace: NAMESPACE,
    ...(spec.fprocess ? { envProcess: spec.fprocess } : {}),
    ...(spec.envVars && Object.keys(spec.envVars).length ? { envVars: spec.envVars } : {}),
    ...(spec.secrets?.length ? { secrets: spec.secrets } : {}),
    labels: spec.labels ?? null,
    annotations: spec.annotations ?? null,
  };
}

/** `client.DeployFunction`: POST, or PUT then POST on 404 when updating; answers the status. */
async function deployFn(spec: Spec): Promise<number> {
  const body = JSON.stringify(deploymentOf(spec));
  let res = await fetch(`${node.url}/system/functions`, { method: spec.update ? 'PUT' : 'POST', body });
  if (spec.update && res.status === 404) res = await fetch(`${node.url}/system/functions`, { method: 'POST', body });
  assert.ok(res.status < 400, `unable to deploy function (${spec.name}.${NAMESPACE}): ${res.status} ${await res.text()}`);
  return res.status;
}

/** Deploys and checks the certifier's `deployStatus` rule: 200 or 202. */
async function deployed(spec: Spec): Promise<void> {
  assert.ok([200, 202].includes(await deployFn(spec)), `deploy of ${spec.name}: wanted 200 or 202`);
}

/** `client.GetFunctionInfo`. */
async function get(name: string): Promise<Status> {
  const res = await fetch(`${node.url}/system/function/${name}?namespace=${NAMESPACE}`);
  assert.equal(res.status, 200, `error getting info for: ${name}.${NAMESPACE}: ${await res.clone().text()}`);
  return (await res.json()) as Status;
}

/** `client.ListFunctions`, with the certifier's `list` check: at least one function. */
async function list(): Promise<Status[]> {
  const res = await fetch(`${node.url}/system/functions?namespace=${NAMESPACE}`);
  assert.equal(res.status, 200);
  const functions = (await res.json()) as Status[];
  assert.ok(functions.length > 0, 'List functions got: 0, want: > 0');
  return functions;
}

/** `client.DeleteFunction`: faas-cli accepts 200, 201 and 202. */
async function deleteFn(name: string): Promise<void> {
  const res = await fetch(`${node.url}/system/functions?namespace=${NAMESPACE}`, { method: 'DELETE', body: JSON.stringify({ functionName: name, namespace: NAMESPACE }) });
  assert.ok([200, 201, 202].includes(res.status), `unable to delete ${name}.${NAMESPACE}: ${res.status}`);
}

/** The certifier's `scaleFunction`: its body names `service`, and 200 or 202 is success. */
async function scaleFn(name: string, replicas: number): Promise<void> {
  const res = await fetch(`${node.url}/system/scale-function/${name}`, { method: 'POST', body: JSON.stringify({ service: name, replicas }) });
  assert.ok([200, 202].includes(res.status), `scale got ${res.status}, wanted 202 (or 200)`);
}

interface Answer {
  status: number;
  body: string;
  headers: Headers;
}

/**
 * `invokeWithVerb`: calls the function (no body unless given, redirects not followed) until the
 * status is one of `expected`, failing at once on 401 as the certifier does.
 */
async function invoke(target: string, opts: { method?: string; query?: string; expected?: number[] } = {}): Promise<Answer> {
  const expected = opts.expected ?? [200];
  const url = `${node.url}/function/${target}${opts.query ? `?${opts.query}` : ''}`;
  let last: Answer | undefined;
  try {
    return await eventually(async () => {
      const res = await fetch(url, { method: opts.method ?? 'POST', redirect: 'manual' });
      last = { status: res.status, body: await res.text(), headers: res.headers };
      assert.notEqual(res.status, 401, `Received breakout-status 401, invoke failed with: ${last.body}`);
      return expected.includes(res.status) ? last : undefined;
    }, 20_000, `${url} to answer ${expected.join(' or ')}`);
  } catch (err) {
    throw new Error(`${(err as Error).message}; invoke failed with: ${last?.status} ${last?.body}`);
  }
}

const qualified = (name: string): string => `${name}.${NAMESPACE}`;

/** `strMapEqual`: every wanted key present with its value; providers may add keys of their own. */
function assertMapIncludes(what: string, got: Record<string, string> | undefined, wanted: Record<string, string>): void {
  for (const [key, value] of Object.entries(wanted)) {
    assert.ok(got && key in got, `got missing key, wanted ${key} ${what}`);
    assert.equal(got[key], value, `${what}: ${key}`);
  }
}

/** `compareDeployAndStatus` of deploy_test.go: what a listed function must say back. */
function assertStatusMatches(spec: Spec, status: Status): void {
  assert.equal(status.name, spec.name);
  assert.equal(status.image, spec.image ?? IMAGE);
  assert.equal(status.namespace, NAMESPACE);
  assert.equal(status.envProcess ?? '', spec.fprocess ?? '');
  assert.equal(status.readOnlyRootFilesystem ?? false, false);
  // reflect.DeepEqual on maps: an unset (nil) envVars must come back absent, not `{}`.
  assert.deepEqual(status.envVars, spec.envVars && Object.keys(spec.envVars).length ? spec.envVars : undefined);
  assert.equal(status.constraints?.length ?? 0, 0);
  assert.deepEqual(status.secrets ?? [], spec.secrets ?? []);
  assert.equal(status.limits, undefined);
  assert.equal(status.requests, undefined);
  // "we expect all systems to add the `faas_function` label" (all but faasd).
  assert.ok(status.labels, 'labels should not be nil');
  assertMapIncludes('labels', status.labels, { ...spec.labels, faas_function: spec.name });
  if (spec.annotations && Object.keys(spec.annotations).length) assertMapIncludes('annotations', status.annotations, spec.annotations);
}

const SOME_JSON = JSON.stringify(
  {
    glossary: {
      title: 'example glossary',
      GlossDiv: {
        title: 'S',
        GlossList: {
          GlossEntry: {
            ID: 'SGML',
            SortAs: 'SGML',
            GlossTerm: 'Standard Generalized Markup Language',
            Acronym: 'SGML',
            Abbrev: 'ISO 8879:1986',
            GlossDef: { para: 'A meta-markup language, used to create markup languages such as DocBook.', GlossSeeAlso: ['GML', 'XML'] },
            GlossSee: 'markup',
          },
        },
      },
    },
  },
  null,
  '\t',
);

describe('OpenFaaS certifier against Sluice', () => {
  before(async () => {
    // Autoscaling on, as `sluice serve` has it by default (the harness turns it off for other suites).
    node = await startSluice({ env: { autoscaling: 'true' } });
  });
  after(cleanup);

  // First, as in the certifier (Go runs deploy_test.go first): its listing check wants no other functions.
  describe('deploy_test.go', () => {
    const cases: Array<{ title: string; spec: Spec }> = [
      { title: 'Deploy without any extra metadata', spec: { name: 'stronghash', fprocess: 'sha512sum', annotations: {}, labels: {} } },
      { title: 'Deploy with labels', spec: { name: 'env-test-labels', fprocess: 'env', annotations: {}, labels: { upstream_uri: 'example.com', canary_build: 'true' } } },
      {
        title: 'Deploy with annotations',
        spec: { name: 'env-test-annotations', fprocess: 'env', annotations: { 'important-date': 'Fri Aug 10 08:21:00 BST 2018', 'some-json': SOME_JSON }, labels: {} },
      },
    ];

    describe('Test_Deploy_MetaData', () => {
      for (const { title, spec } of cases) {
        it(title, async () => {
          await deployed(spec);
          const fn = await get(spec.name);
          await list();
          // The certifier dereferences both maps: sent as `{}`, they must come back, not be dropped.
          assert.ok(fn.annotations && fn.labels, 'annotations and labels are present');
          assertMapIncludes('annotations', fn.annotations, spec.annotations ?? {});
          assertMapIncludes('labels', fn.labels, spec.labels ?? {});
        });
      }

      it('test listing functions', async () => {
        const expected = new Map(cases.map(({ spec }) => [spec.name, spec]));
        for (const status of await list()) {
          const spec = expected.get(status.name);
          assert.ok(spec, `unexpected deployment ${status.name} found`);
          assertStatusMatches(spec, status);
          expected.delete(status.name);
        }
        assert.deepEqual([...expected.keys()], [], 'not all functions found in response');
      });
    });

    it('Test_ListNamespaces: exactly the default namespace', async () => {
      const res = await fetch(`${node.url}/system/namespaces`);
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as string[]).sort(), [NAMESPACE]);
    });
  });

  describe('health_test.go', () => {
    it('Test_HealthEndpoint: GET /healthz is 200', async () => {
      assert.equal((await fetch(`${node.url}/healthz`)).status, 200);
    });
  });

  describe('info_test.go', () => {
    it('Test_ProviderInfo: provider name, orchestration and both versions (release, sha) are not empty', async () => {
      const res = await fetch(`${node.url}/system/info`);
      assert.equal(res.status, 200);
      const info = (await res.json()) as {
        provider?: { provider?: string; orchestration?: string; version?: { release?: string; sha?: string } };
        version?: { release?: string; sha?: string };
      };
      assert.ok(info.provider, 'provider info should be present');
      assert.ok(info.provider.orchestration, 'provider orchestration name may not be empty');
      assert.ok(info.provider.provider, 'provider name may not be empty');
      assert.ok(info.provider.version, 'provider version cannot be empty');
      assert.ok(info.provider.version.release, 'provider version release may not be empty');
      assert.ok(info.provider.version.sha, 'provider version sha may not be empty');
      assert.ok(info.version, 'gateway version may not be nil');
      assert.ok(info.version.release, 'gateway version release may not be empty');
      assert.ok(info.version.sha, 'gateway version sha may not be empty');
    });
  });

  describe('invoke_test.go', () => {
    it('Test_InvokeNotFound: a function of no name (/function/.openfaas-fn) is 404 or 502', async () => {
      await invoke(qualified(''), { expected: [404, 502] });
    });

    it('Test_InvokeNotFound (older certifiers): /function/notfound is 404 or 502', async () => {
      await invoke('notfound', { expected: [404, 502] });
    });

    describe('Test_Invoke', () => {
      it('Invoke test with different verbs: fprocess sees Http_Method; X-Call-Id and X-Start-Time answered', async () => {
        await deployed({ name: 'env-test-verbs', fprocess: 'env', envVars: {} });
        await list();
        for (const verb of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
          const answer = await invoke(qualified('env-test-verbs'), { method: verb });
          assert.ok(answer.body.includes(`Http_Method=${verb}`), `want: Http_Method=${verb}, got: ${answer.body}`);
          assert.ok(answer.headers.get('x-call-id'), `${verb}: expect non-empty X-Call-Id header`);
          assert.ok(answer.headers.get('x-start-time'), `${verb}: expect non-empty X-Start-Time header`);
        }
      });

      it('Invoke propogates redirect to the caller (302 is answered, not followed)', async () => {
        // theaxer/redirector:latest is a Go HTTP server (`./handler`) that redirects to $destination.
        // Here the same server is a Node script in http mode, listening where Sluice tells it.
        const dir = await tempDir('sluice-redirector-');
        const script = path.join(dir, 'handler.mjs');
        await writeFile(
          script,
          `import { createServer } from 'node:http';
createServer((_req, res) => res.writeHead(302, { location: process.env.destination }).end()).listen(process.env.SLUICE_SOCKET);
`,
        );
        await deployed({ name: 'redirector-test', image: 'theaxer/redirector:latest', fprocess: `node ${script}`, envVars: { destination: 'http://example.com', mode: 'http' } });
        await list();
        const answer = await invoke(qualified('redirector-test'), { expected: [302] });
        assert.equal(answer.headers.get('location'), 'http://example.com');
      });

      it('Invoke with custom env vars and query string', async () => {
        await deployed({ name: 'env-test', fprocess: 'env', envVars: { custom_env: 'custom_env_value' } });
        await list();
        const empty = await invoke(qualified('env-test'));
        assert.ok(empty.body.includes('custom_env'), `Empty QueryString: want custom_env, got: ${empty.body}`);
        const populated = await invoke(qualified('env-test'), { query: 'testing=1' });
        assert.ok(populated.body.includes('Http_Query=testing=1'), `Populated QueryString: want Http_Query=testing=1, got: ${populated.body}`);
      });
    });
  });

  describe('logs_test.go', () => {
    it('Test_FunctionLogs: one empty call to sha512sum, then tail=2 is "Forking fprocess" and "Wrote 132 Bytes"', async () => {
      await deployed({ name: 'test-logger', fprocess: 'sha512sum' });
      await invoke('test-logger');
      const res = await fetch(`${node.url}/system/logs?name=test-logger&tail=2&follow=false`, { signal: AbortSignal.timeout(5_000) });
      assert.equal(res.status, 200);
      const messages = (await res.text()).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { name: string; text: string });
      for (const msg of messages) {
        assert.equal(msg.name, 'test-logger');
        // "remove the timstamp and white space prefix" (Go's strings.TrimLeft with that set).
        const text = msg.text.replace(/^[0-9/: ]+/, '');
        assert.ok(text.startsWith('Forking fprocess') || text.startsWith('Wrote 132 Bytes'), `got unexpected log message ${JSON.stringify(text)}`);
      }
      assert.equal(messages.length, 2);
      await deleteFn('test-logger');
    });
  });

  describe('scaling_test.go', () => {
    it('Test_ScaleMinimum: com.openfaas.scale.min=2 gives 2 replicas at once', async () => {
      await deployed({ name: 'test-min-scale', fprocess: 'sha512sum', labels: { 'com.openfaas.scale.min': '2' } });
      assert.equal((await get('test-min-scale')).replicas, 2);
      await deleteFn('test-min-scale');
    });

    it('Test_ScaleFromZeroDuringInvoke: scaled to 0 (replicas 0), then a call is answered 200', async () => {
      await deployed({ name: 'test-scale-from-zero', fprocess: 'sha512sum' });
      await scaleFn('test-scale-from-zero', 0);
      assert.equal((await get('test-scale-from-zero')).replicas ?? 0, 0);
      await invoke('test-scale-from-zero');
      await deleteFn('test-scale-from-zero');
    });

    it('Test_ScaleUpAndDownFromThroughPut: load scales min 1 → max 2, then back to 1 within 65 s', async () => {
      const name = 'test-throughput-scaling';
      await deployed({ name, fprocess: 'sha512sum', labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '2' } });
      // The certifier's hey sends 1,000 calls, 50 at a time at up to 50/s each, then reads the replicas: on
      // Kubernetes that load lasts long enough for the rule's 5 s. Here it runs until the rule has fired
      // (above 5/s for 5 s, then one step of ceil(2 × 10 %) = 1) and the second replica is up.
      const stop = steadyLoad(node, name); // the certifier's `hey` load, scaled to one host
      try {
        await eventually(async () => {
          const fn = await get(name);
          return fn.replicas === 2 && fn.availableReplicas === 2;
        }, 20_000, 'max scale 2');
      } finally {
        await stop();
      }
      // The certifier sleeps a minute, then wants min scale; this ends as soon as it is there (the rate
      // drops to 0 once the load's last calls leave the 10 s window, and the resolved alert scales to min).
      await eventually(async () => {
        const fn = await get(name);
        return fn.replicas === 1 && fn.availableReplicas === 1;
      }, 65_000, 'back to min scale 1');
      await deleteFn(name);
    });

    it('Test_ScalingDisabledViaLabels: min = max = 2 stays at 2 available replicas under load', async () => {
      await deployed({ name: 'test-scaling-disabled', fprocess: 'sha512sum', labels: { 'com.openfaas.scale.min': '2', 'com.openfaas.scale.max': '2' } });
      // The certifier sends 1,000 calls, 5 at a time; 8 s of load well above 5/s is enough for the rule to
      // fire (after 5 s) and be ignored here.
      const stop = steadyLoad(node, 'test-scaling-disabled');
      await new Promise((r) => setTimeout(r, 8_000));
      await stop();
      const fn = await get('test-scaling-disabled');
      assert.deepEqual([fn.replicas, fn.availableReplicas], [2, 2]);
      await deleteFn('test-scaling-disabled');
    });

    // Label com.openfaas.scale.zero=true plus load to max, then 0 replicas after cooldown: OpenFaaS Pro's idler.
    it('Test_ScaleToZero', { skip: 'the certifier runs it only with idler_enabled=true; Sluice has no idler' }, () => {});
  });

  describe('secretCRUD_test.go', () => {
    const cases = [
      { title: 'from string value', create: { name: 'secret-string', value: 'this-is-the-secret-string-value' }, update: { name: 'secret-string', value: 'this-is-the-NEW-secret-string-value' } },
      {
        title: 'from raw value',
        create: { name: 'secret-bytes', rawValue: Buffer.from('this-is-the-RAW-secret-value').toString('base64') },
        update: { name: 'secret-bytes', rawValue: Buffer.from('this-is-the-NEW-RAW-secret-value').toString('base64') },
      },
    ];
    const secrets = (method: string, body?: object): Promise<Response> =>
      fetch(`${node.url}/system/secrets${method === 'GET' ? `?namespace=${NAMESPACE}` : ''}`, { method, ...(body ? { body: JSON.stringify({ ...body, namespace: NAMESPACE }) } : {}) });
    const listed = async (): Promise<string[]> => {
      const res = await secrets('GET');
      assert.ok([200, 202].includes(res.status), `list secrets: ${res.status}`);
      return ((await res.json()) as Array<{ name: string }>).map((s) => s.name);
    };
    const valueOf = (s: { value?: string; rawValue?: string }): string => s.value ?? Buffer.from(s.rawValue ?? '', 'base64').toString();

    for (const { title, create, update } of cases) {
      describe(`Test_SecretCRUD ${title}`, () => {
        // The certifier's own fprocess, `cat /var/openfaas/secrets/<name>`: on a root host each replica
        // sees its secrets there (src/provider/confine.ts); elsewhere only in $SLUICE_SECRETS_DIR.
        const spec: Spec = { name: create.name, fprocess: process.getuid?.() === 0 ? `cat /var/openfaas/secrets/${create.name}` : `sh -c cat<$SLUICE_SECRETS_DIR/${create.name}`, secrets: [create.name], annotations: {} };

        it('create: 201 or 202; a function that lists it reads its value', async () => {
          assert.ok(!(await listed()).includes(create.name), `namespace already has secret ${create.name}`);
          const res = await secrets('POST', create);
          assert.ok([201, 202].includes(res.status), `got ${res.status}, wanted 201 or 202`);
          await deployed(spec);
          assert.equal((await invoke(qualified(spec.name))).body, valueOf(create));
        });

        it('list: the secret is listed', async () => {
          assert.ok((await listed()).includes(create.name));
        });

        it('update: 200 or 202; after a redeploy (PUT) the function reads the new value', async () => {
          const res = await secrets('PUT', update);
          assert.ok([200, 202].includes(res.status), `got ${res.status}, wanted 200 or 202`);
          await deployed({ ...spec, update: true, annotations: { 'secret-hash': 'something to convince orchestrators that the deployment has changed' } });
          assert.equal((await invoke(qualified(spec.name))).body, valueOf(update));
        });

        it('delete: the function, then the secret (200 or 202); it is no longer listed', async () => {
          await deleteFn(spec.name);
          const res = await secrets('DELETE', create);
          assert.ok([200, 202].includes(res.status), `remove secret: ${res.status} ${await res.text()}`);
          assert.ok(!(await listed()).includes(create.name));
        });
      });
    }
  });
});
