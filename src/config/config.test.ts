import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SluiceError } from '../api/index.js';
import { formatSeconds, loadConfig, parseDuration, parseSize } from './index.js';

const MiB = 1024 * 1024;

/** Runs `fn`, expects one ERR_CONFIG_INVALID, returns its problem lines. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SluiceError, `expected a SluiceError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_CONFIG_INVALID');
    assert.equal(err.status, 500);
    return err.message.split('\n').slice(1).map((line) => line.trim());
  }
  assert.fail('expected ERR_CONFIG_INVALID');
}

describe('parseDuration', () => {
  it('reads a plain integer as seconds', () => {
    assert.equal(parseDuration('30'), 30_000);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration(' 5 '), 5000);
  });

  it('reads Go durations into milliseconds', () => {
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('2h45m'), 9_900_000);
  });

  for (const text of ['', ' ', 'soon', '10x', '1m x', '-1s', 's', '1.5', '10 s', '1s1']) {
    it(`returns undefined for ${JSON.stringify(text)}`, () => {
      assert.equal(parseDuration(text), undefined);
    });
  }
});

describe('parseSize', () => {
  it('reads binary, decimal and plain byte sizes', () => {
    assert.equal(parseSize('64Mi'), 64 * MiB);
    assert.equal(parseSize('10MB'), 10_000_000);
    assert.equal(parseSize('512k'), 512_000);
    assert.equal(parseSize('512Ki'), 512 * 1024);
    assert.equal(parseSize('1Gi'), 1024 * MiB);
    assert.equal(parseSize('1024'), 1024);
    assert.equal(parseSize('0'), 0);
  });

  it('ignores the case of the unit', () => {
    assert.equal(parseSize('64mi'), 64 * MiB);
    assert.equal(parseSize('10mb'), 10_000_000);
  });

  for (const text of ['', 'big', '10XB', '-1', '1.5.2', 'Mi', '64 Mi B']) {
    it(`returns undefined for ${JSON.stringify(text)}`, () => {
      assert.equal(parseSize(text), undefined);
    });
  }
});

describe('formatSeconds', () => {
  it('prints milliseconds as seconds with 6 decimals (Go %f)', () => {
    assert.equal(formatSeconds(1500), '1.500000');
    assert.equal(formatSeconds(0), '0.000000');
    assert.equal(formatSeconds(1), '0.001000');
    assert.equal(formatSeconds(0.25), '0.000250');
    assert.equal(formatSeconds(123_456.789), '123.456789');
  });
});

describe('loadConfig', () => {
  it('uses the documented defaults with an empty env', () => {
    assert.deepEqual(loadConfig({}), {
      port: 8080,
      bind: '127.0.0.1',
      dataDir: path.resolve('.sluice'),
      maxBodySize: 64 * MiB,
      maxBundleSize: 512 * MiB,
      readTimeoutMs: 60_000,
      writeTimeoutMs: 60_000,
      upstreamTimeoutMs: 60_000,
      replicaWaitMs: 30_000,
      drainTimeoutMs: 10_000,
      logLevel: 'info',
      functionLogs: { lines: 1000, fileBytes: 10 * MiB },
      nodeLabels: {},
      async: {
        maxBodySize: 32 * MiB,
        timeoutMs: 30 * 60_000,
        resultTtlMs: 24 * 3_600_000,
        ackWaitMs: 30_000,
        concurrency: 10,
        retry: { attempts: 10, codes: [408, 429, 500, 502, 503, 504], minWaitMs: 10_000, maxWaitMs: 120_000 },
        callbackRetry: { attempts: 10, codes: [], minWaitMs: 1000, maxWaitMs: 60_000 },
        proxy: {},
      },
      autoscaling: { enabled: true, threshold: 5, repeatMs: 30_000 },
      cgroups: true,
      basicAuth: true,
      authDir: path.resolve('.sluice', 'auth'),
      authDirGiven: false,
    });
    assert.ok(path.isAbsolute(loadConfig({}).dataDir));
  });

  it('reads every setting from its env var', () => {
    const config = loadConfig({
      port: '9090',
      bind: '0.0.0.0',
      SLUICE_DATA: '/var/lib/sluice',
      max_body_size: '10MB',
      max_bundle_size: '1Gi',
      read_timeout: '5s',
      write_timeout: '2m',
      upstream_timeout: '90',
      replica_wait: '500ms',
      drain_timeout: '1m30s',
      log_level: 'debug',
      log_lines: '5000',
      log_file_size: '100Mi',
      SLUICE_NATS_URL: 'nats://127.0.0.1:4222',
      max_async_body_size: '1Mi',
      async_timeout: '5m',
      result_ttl: '1h',
      ack_wait: '10s',
      max_inflight: '4',
      max_retry_attempts: '3',
      http_retry_codes: '503, 429',
      initial_retry_wait: '1s',
      max_retry_wait: '30s',
      callback_retry_attempts: '2',
      SLUICE_CALLBACK_KEY: 'k3y',
      http_proxy: 'http://10.3.0.3:3128',
      HTTPS_PROXY: '10.3.0.3:3129',
      no_proxy: '.test-cluster.priv,localhost',
      basic_auth: 'false',
      secret_mount_path: '/run/secrets',
      node_labels: 'gpu=true, zone=eu-1,topology.kubernetes.io/region=west,empty=',
      autoscaling: 'false',
      autoscaling_threshold: '2.5',
      autoscaling_repeat: '1m',
      cgroups: 'false',
    });
    assert.deepEqual(config, {
      port: 9090,
      bind: '0.0.0.0',
      dataDir: '/var/lib/sluice',
      maxBodySize: 10_000_000,
      maxBundleSize: 1024 * MiB,
      readTimeoutMs: 5000,
      writeTimeoutMs: 120_000,
      upstreamTimeoutMs: 90_000,
      replicaWaitMs: 500,
      drainTimeoutMs: 90_000,
      logLevel: 'debug',
      functionLogs: { lines: 5000, fileBytes: 100 * MiB },
      nodeLabels: { gpu: 'true', zone: 'eu-1', 'topology.kubernetes.io/region': 'west', empty: '' },
      async: {
        natsUrl: 'nats://127.0.0.1:4222',
        maxBodySize: MiB,
        timeoutMs: 300_000,
        resultTtlMs: 3_600_000,
        ackWaitMs: 10_000,
        concurrency: 4,
        retry: { attempts: 3, codes: [503, 429], minWaitMs: 1000, maxWaitMs: 30_000 },
        callbackRetry: { attempts: 2, codes: [], minWaitMs: 1000, maxWaitMs: 60_000 },
        callbackKey: 'k3y',
        proxy: { httpProxy: 'http://10.3.0.3:3128', httpsProxy: '10.3.0.3:3129', noProxy: '.test-cluster.priv,localhost' },
      },
      autoscaling: { enabled: false, threshold: 2.5, repeatMs: 60_000 },
      cgroups: false,
      basicAuth: false,
      authDir: '/run/secrets',
      authDirGiven: true,
    });
  });

  it('names every bad async setting at once', () => {
    assert.throws(
      () => loadConfig({ async_timeout: 'soon', max_inflight: '0', http_retry_codes: '500,abc', HTTP_PROXY: 'socks5://x:1', SLUICE_NATS_URL: 'http://x' }),
      (err: SluiceError) => {
        for (const name of ['async_timeout=soon', 'max_inflight=0', 'http_retry_codes=500,abc', 'HTTP_PROXY=socks5://x:1', 'SLUICE_NATS_URL=http://x']) assert.match(err.message, new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        return true;
      },
    );
  });

  it('resolves a relative data dir to an absolute path', () => {
    assert.equal(loadConfig({ SLUICE_DATA: 'data/here' }).dataDir, path.resolve('data/here'));
  });

  it('lets flags win over env for port, bind and data', () => {
    const env = { port: '9090', bind: '0.0.0.0', SLUICE_DATA: '/from/env' };
    const config = loadConfig(env, { port: '7070', bind: '::1', data: '/from/flag' });
    assert.equal(config.port, 7070);
    assert.equal(config.bind, '::1');
    assert.equal(config.dataDir, '/from/flag');
  });

  it('turns auth off with --no-auth whatever basic_auth says, and takes --auth-dir over secret_mount_path', () => {
    assert.equal(loadConfig({ basic_auth: 'true' }, { auth: false }).basicAuth, false);
    assert.equal(loadConfig({ basic_auth: '0' }).basicAuth, false);
    const config = loadConfig({ secret_mount_path: '/run/secrets' }, { authDir: '/etc/sluice' });
    assert.deepEqual([config.authDir, config.authDirGiven], ['/etc/sluice', true]);
    assert.equal(loadConfig({}, { data: '/srv/sluice' }).authDir, '/srv/sluice/auth');
  });

  it('turns control groups off with --no-cgroups whatever cgroups says, or with cgroups=false', () => {
    assert.equal(loadConfig({ cgroups: 'true' }, { cgroups: false }).cgroups, false);
    assert.equal(loadConfig({ cgroups: '0' }).cgroups, false);
    assert.equal(loadConfig({ cgroups: 'TRUE' }).cgroups, true);
  });

  it('accepts port 0 (any free port) and 65535', () => {
    assert.equal(loadConfig({ port: '0' }).port, 0);
    assert.equal(loadConfig({ port: '65535' }).port, 65535);
  });

  for (const [name, env, flags, named] of [
    ['a port above 65535', { port: '65536' }, {}, 'port=65536'],
    ['a negative port', { port: '-1' }, {}, 'port=-1'],
    ['a port that is not a number', { port: 'http' }, {}, 'port=http'],
    ['a fractional port', { port: '80.5' }, {}, 'port=80.5'],
    ['a bad --port flag, even with a good env port', { port: '8080' }, { port: 'abc' }, 'port=abc'],
    ['a zero max_body_size', { max_body_size: '0' }, {}, 'max_body_size=0'],
    ['a max_body_size that is not a size', { max_body_size: 'lots' }, {}, 'max_body_size=lots'],
    ['a max_bundle_size that is not a size', { max_bundle_size: '1 TB' }, {}, 'max_bundle_size=1 TB'],
    ['a read_timeout that is not a duration', { read_timeout: 'soon' }, {}, 'read_timeout=soon'],
    ['a write_timeout that is not a duration', { write_timeout: '10x' }, {}, 'write_timeout=10x'],
    ['an upstream_timeout that is not a duration', { upstream_timeout: '-1s' }, {}, 'upstream_timeout=-1s'],
    ['a replica_wait that is not a duration', { replica_wait: '' }, {}, 'replica_wait='],
    ['a drain_timeout that is not a duration', { drain_timeout: '1m x' }, {}, 'drain_timeout=1m x'],
    ['an unknown log_level', { log_level: 'loud' }, {}, 'log_level=loud'],
    ['a log_lines of 0', { log_lines: '0' }, {}, 'log_lines=0'],
    ['a log_lines that is not a whole number', { log_lines: '1e3' }, {}, 'log_lines=1e3'],
    ['a log_file_size that is not a size', { log_file_size: 'big' }, {}, 'log_file_size=big'],
    ['a basic_auth that is not true or false', { basic_auth: 'yes please' }, {}, 'basic_auth=yes please'],
    ['an autoscaling that is not true or false', { autoscaling: 'on' }, {}, 'autoscaling=on'],
    ['a cgroups that is not true or false', { cgroups: 'off' }, {}, 'cgroups=off'],
    ['an autoscaling_threshold of 0', { autoscaling_threshold: '0' }, {}, 'autoscaling_threshold=0'],
    ['an autoscaling_threshold that is not a number', { autoscaling_threshold: 'five' }, {}, 'autoscaling_threshold=five'],
    ['an autoscaling_repeat that is not a duration', { autoscaling_repeat: 'often' }, {}, 'autoscaling_repeat=often'],
    ['a node_labels entry without =', { node_labels: 'gpu' }, {}, 'node_labels=gpu'],
    ['a node_labels key Kubernetes would refuse', { node_labels: 'a=1,-gpu=true' }, {}, 'node_labels=a=1,-gpu=true'],
    ['a node_labels value Kubernetes would refuse', { node_labels: 'gpu=yes please' }, {}, 'node_labels=gpu=yes please'],
    ["a node_labels key that is the host's own", { node_labels: 'kubernetes.io/arch=arm64' }, {}, 'node_labels=kubernetes.io/arch=arm64'],
  ] as const) {
    it(`rejects ${name} with ERR_CONFIG_INVALID naming it`, () => {
      const problems = problemsOf(() => loadConfig(env, flags));
      assert.deepEqual(problems.length, 1, problems.join('\n'));
      assert.ok(problems[0]?.startsWith(`${named}: `), `expected "${named}: …", got "${problems[0]}"`);
    });
  }

  it('reports every problem at once in one ERR_CONFIG_INVALID', () => {
    const problems = problemsOf(() => loadConfig({ port: '99999', read_timeout: 'soon', log_level: 'loud' }));
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('port=99999: ')), 'names port');
    assert.ok(problems.some((p) => p.startsWith('read_timeout=soon: ')), 'names read_timeout');
    assert.ok(problems.some((p) => p.startsWith('log_level=loud: ')), 'names log_level');
  });

  it('reports all of many problems, sizes and durations included', () => {
    const env = {
      port: 'x', max_body_size: 'x', max_bundle_size: 'x', read_timeout: 'x', write_timeout: 'x',
      upstream_timeout: 'x', replica_wait: 'x', drain_timeout: 'x', log_level: 'x',
    };
    const problems = problemsOf(() => loadConfig(env));
    assert.deepEqual(problems.map((p) => p.split('=')[0]).sort(), Object.keys(env).sort());
  });

  it('returns a frozen config', () => {
    const config = loadConfig({});
    assert.ok(Object.isFrozen(config));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
    assert.equal(config.port, 8080);
  });
});
