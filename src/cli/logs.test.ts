import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { logsQuery, splitLines } from './_client.js';
import { EXIT, UsageError } from './_errors.js';
import { createOutput } from './_output.js';
import { logRequestOf, parseLines, parseSinceTime, runLogs } from './commands/logs.js';
import type { LogsOptions } from './commands/logs.js';
import { RFC3339, formatGoTime, formatKeyValue, formatLogLine, formatPlain, parseRfc3339, parseTimeFormat } from './commands/logs-format.js';
import { runCli } from './program.js';
import { captureIo, closedGatewayUrl, fakeGateway } from './_test-support.js';

/** Polls until `check` holds (a stream test waits for a line to come through). */
async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** faas-cli's test message (commands/logs_format_test.go). */
const MSG = { name: 'test-func', namespace: 'openfaas-fn', instance: '123test', timestamp: '2009-11-10T23:00:00Z', text: 'test message' };
const time = (text: string) => parseRfc3339(text) ?? assert.fail(`${text} did not parse`);

describe('log layouts (faas-cli logs_format.go)', () => {
  it('lays out plain as `<timestamp> <name> (<instance>) <text>`, newlines at the end trimmed', () => {
    assert.equal(formatPlain(MSG, RFC3339), '2009-11-10T23:00:00Z test-func (123test) test message');
    assert.equal(formatPlain({ ...MSG, text: 'two\n\n' }, RFC3339), '2009-11-10T23:00:00Z test-func (123test) two');
    assert.equal(formatPlain(MSG, ''), 'test-func (123test) test message');
  });

  it('lays out keyvalue with quoted values and faas-cli\'s trailing blank', () => {
    assert.equal(formatKeyValue({ ...MSG, text: 'test message\n' }, RFC3339), 'timestamp="2009-11-10T23:00:00Z" name="test-func" instance="123test" text="test message" ');
    assert.equal(formatKeyValue(MSG, '2006-01-02 15:04:05.999999999 -0700 MST'), 'timestamp="2009-11-10 23:00:00 +0000 UTC" name="test-func" instance="123test" text="test message" ');
    assert.equal(formatKeyValue(MSG, ''), 'name="test-func" instance="123test" text="test message" ');
  });

  it('gives json lines back unchanged, and any line that is not a message as is', () => {
    const line = JSON.stringify({ ...MSG, extra: 1 });
    assert.equal(formatLogLine(line, 'json', RFC3339), line);
    assert.equal(formatLogLine(JSON.stringify(MSG), 'plain', RFC3339), '2009-11-10T23:00:00Z test-func (123test) test message');
    for (const odd of ['not json', '[1,2]', '{"name":"fn"}', '"text"']) assert.equal(formatLogLine(odd, 'plain', RFC3339), odd);
  });

  it('shows a timestamp that is not RFC 3339 as sent', () => {
    assert.equal(formatLogLine(JSON.stringify({ ...MSG, timestamp: 'yesterday' }), 'plain', RFC3339), 'yesterday test-func (123test) test message');
  });
});

describe('Go time layouts (--time-format)', () => {
  const t = time('2009-11-10T23:04:05.120Z');

  it('formats as Go: RFC3339 drops the fraction, .999 trims zeros, .000 keeps them', () => {
    assert.equal(formatGoTime(t, RFC3339), '2009-11-10T23:04:05Z');
    assert.equal(formatGoTime(t, parseTimeFormat('RFC3339Nano')), '2009-11-10T23:04:05.12Z');
    assert.equal(formatGoTime(t, '15:04:05.000000'), '23:04:05.120000');
    assert.equal(formatGoTime(t, '15:04:05,999'), '23:04:05,12');
    assert.equal(formatGoTime(time('2009-11-10T23:04:05Z'), '05.999'), '05');
  });

  it('knows the named layouts and the other chunks', () => {
    assert.equal(formatGoTime(t, parseTimeFormat('ansic')), 'Tue Nov 10 23:04:05 2009');
    assert.equal(formatGoTime(time('2009-11-03T03:04:05Z'), parseTimeFormat('UnixDate')), 'Tue Nov  3 03:04:05 UTC 2009');
    assert.equal(formatGoTime(t, parseTimeFormat('RFC1123Z')), 'Tue, 10 Nov 2009 23:04:05 +0000');
    assert.equal(formatGoTime(t, parseTimeFormat('rfc850')), 'Tuesday, 10-Nov-09 23:04:05 UTC');
    assert.equal(formatGoTime(t, '3:04PM pm January 2 Jan _2 1 01 002 __2'), '11:04PM pm November 10 Nov 10 11 11 314 314');
    assert.equal(formatGoTime(time('2009-01-05T00:00:00Z'), '03 3 PM __2 _2006'), '12 12 AM   5 _2009');
    assert.equal(formatGoTime(t, 'Monthly Mon'), 'Monthly Tue');
    assert.equal(parseTimeFormat('custom'), 'custom');
    assert.equal(parseTimeFormat(''), '');
  });

  it('keeps the offset a time was written in, as Go does', () => {
    const east = time('2009-11-10T23:04:05+05:30');
    assert.equal(formatGoTime(east, RFC3339), '2009-11-10T23:04:05+05:30');
    assert.equal(formatGoTime(east, 'Z0700 -07 MST'), '+0530 +05 +0530');
    assert.equal(formatGoTime(time('2009-11-10T23:04:05-01:00'), 'Z07:00:00 -070000'), '-01:00:00 -010000');
    assert.equal(formatGoTime(time('2009-11-10T23:04:05Z'), '-07:00 Z07'), '+00:00 Z');
  });

  it('takes only real RFC 3339 times', () => {
    for (const bad of ['2009-02-30T00:00:00Z', '2009-11-10 23:00:00Z', '2009-11-10T24:00:00Z', '2009-11-10T23:00:00', 'now']) assert.equal(parseRfc3339(bad), undefined, bad);
    assert.equal(time('2009-11-10t23:00:00.123456789123z').nanos, 123456789);
  });
});

describe('the log request (faas-cli logs_test.go)', () => {
  const now = Date.parse('2019-01-01T01:00:00Z');
  const defaults: LogsOptions = { tail: true, lines: -1, output: 'plain', timeFormat: RFC3339 };

  it('follows by default and asks for every kept line', () => {
    assert.deepEqual(logRequestOf('funcFoo', defaults, now), { name: 'funcFoo', tail: -1, follow: true });
    assert.equal(logsQuery(logRequestOf('funcFoo', defaults, now)), '?name=funcFoo&follow=true&tail=-1');
  });

  it('sends --since back from now, --since-time as given, --lines and --instance', () => {
    assert.equal(logRequestOf('f', { ...defaults, since: 5 * 60_000 }, now).since, '2019-01-01T00:55:00.000Z');
    const req = logRequestOf('f', { ...defaults, tail: false, lines: 5, sinceTime: '2019-01-01T00:55:00+01:00', instance: 'f-1' }, now);
    assert.equal(logsQuery(req), '?name=f&follow=false&instance=f-1&since=2019-01-01T00%3A55%3A00%2B01%3A00&tail=5');
    assert.equal(logsQuery({ name: 'f', tail: 0, follow: false }), '?name=f&follow=false');
  });

  it('refuses --since with --since-time, a bad --since-time and a bad --lines', () => {
    assert.throws(() => logRequestOf('f', { ...defaults, since: 1000, sinceTime: '2019-01-01T00:00:00Z' }, now), UsageError);
    assert.equal(parseSinceTime(' 2019-01-01T00:00:00Z '), '2019-01-01T00:00:00Z');
    assert.throws(() => parseSinceTime('2019-01-01'), /RFC 3339/);
    assert.equal(parseLines('-1'), -1);
    assert.throws(() => parseLines('1.5'), /whole number/);
  });
});

describe('splitLines', () => {
  it('cuts lines across chunks, multibyte characters split included', async () => {
    const euro = Buffer.from('€');
    const chunks = [Buffer.from('a\r\nb'), euro.subarray(0, 1), Buffer.concat([euro.subarray(1), Buffer.from('\n\n')]), Buffer.from('last')];
    const lines: string[] = [];
    for await (const line of splitLines(Readable.from(chunks))) lines.push(line);
    assert.deepEqual(lines, ['a', 'b€', 'last']);
  });
});

describe('sluice logs against a fake gateway', () => {
  const queries: URLSearchParams[] = [];
  /** The open follow answer, for the test to write more lines to. */
  let following: ServerResponse | undefined;
  const line = (text: string, instance = 'fn-1'): string => `${JSON.stringify({ ...MSG, name: 'fn', instance, timestamp: '2026-12-05T21:40:00.123Z', text })}\n`;

  /** Answers as the gateway route does: NDJSON lines; `follow=true` keeps the answer open. */
  function answer(req: IncomingMessage, res: ServerResponse): void {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    queries.push(query);
    if (query.get('name') === 'cut') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(line('before the cut'), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    if (query.get('name') !== 'fn') {
      res.writeHead(404, { 'content-type': 'application/json', 'x-sluice-error': 'ERR_FUNCTION_NOT_FOUND' });
      res.end(JSON.stringify({ code: 'ERR_FUNCTION_NOT_FOUND', message: `function "${query.get('name')}" not found` }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(line('first'));
    res.write('a plain line\n');
    if (query.get('follow') === 'true') following = res;
    else res.end(line('second', 'fn-2'));
  }

  const gateway = fakeGateway(answer);

  it('prints plain lines and exits with --no-tail (or faas-cli\'s --tail=false)', async () => {
    for (const flag of ['--no-tail', '--tail=false']) {
      const { io, stdout, stderr } = captureIo(process.cwd());
      assert.equal(await runCli(['logs', 'fn', flag, '--lines', '5', '-g', gateway.url()], io), EXIT.ok, stderr());
      assert.equal(stdout(), '2026-12-05T21:40:00Z fn (fn-1) first\na plain line\n2026-12-05T21:40:00Z fn (fn-2) second\n');
      assert.equal(queries.at(-1)?.toString(), 'name=fn&follow=false&tail=5');
    }
  });

  it('prints keyvalue, and json lines as sent with -o json or --json', async () => {
    const kv = captureIo(process.cwd());
    assert.equal(await runCli(['logs', 'fn', '--no-tail', '-o', 'keyvalue', '--time-format', 'rfc3339nano', '-g', gateway.url()], kv.io), EXIT.ok);
    assert.equal(kv.stdout().split('\n')[0], 'timestamp="2026-12-05T21:40:00.123Z" name="fn" instance="fn-1" text="first" ');
    for (const flags of [['-o', 'json'], ['--json']]) {
      const json = captureIo(process.cwd());
      assert.equal(await runCli(['logs', 'fn', '--no-tail', ...flags, '-g', gateway.url()], json.io), EXIT.ok);
      assert.equal(json.stdout(), `${line('first')}a plain line\n${line('second', 'fn-2')}`);
    }
  });

  it('sends --instance and --since-time', async () => {
    const { io } = captureIo(process.cwd());
    assert.equal(await runCli(['logs', 'fn', '--no-tail', '--instance', 'fn-2', '--since-time', '2026-12-05T21:00:00Z', '-g', gateway.url()], io), EXIT.ok);
    assert.equal(queries.at(-1)?.toString(), 'name=fn&follow=false&instance=fn-2&since=2026-12-05T21%3A00%3A00Z&tail=-1');
  });

  it('prints each followed line as it comes, and ends quietly when stopped', async () => {
    const { io, stdout } = captureIo(process.cwd());
    const stop = new AbortController();
    const ctx = { io, out: createOutput(io), globals: { gateway: gateway.url() } };
    const run = runLogs('fn', { tail: true, lines: -1, output: 'plain', timeFormat: '' }, ctx, stop.signal);
    await until(() => stdout() === 'fn (fn-1) first\na plain line\n', 'the first lines');
    following?.write(line('later'));
    await until(() => stdout().endsWith('fn (fn-1) later\n'), 'the line written later');
    stop.abort();
    await run;
    assert.equal(queries.at(-1)?.get('follow'), 'true');
  });

  it('makes usage mistakes exit 2 before any request', async () => {
    const asked = queries.length;
    for (const args of [['--since', '1m', '--since-time', '2026-12-05T21:00:00Z'], ['--since-time', 'yesterday'], ['--since', 'soon'], ['-o', 'yaml'], ['--lines', 'x']]) {
      const { io, stderr } = captureIo(process.cwd());
      assert.equal(await runCli(['logs', 'fn', '--no-tail', ...args, '-g', gateway.url()], io), EXIT.usage, args.join(' '));
      assert.match(stderr(), /^Error: /);
    }
    assert.equal(queries.length, asked);
  });

  it("quotes the gateway's error and a stream cut off (exit 1), and an unreachable gateway (exit 3)", async () => {
    const missing = captureIo(process.cwd());
    assert.equal(await runCli(['logs', 'nope', '--no-tail', '-g', gateway.url()], missing.io), EXIT.failed);
    assert.equal(missing.stderr(), 'Error: function "nope" not found\n');
    const cut = captureIo(process.cwd());
    assert.equal(await runCli(['logs', 'cut', '--time-format', '', '-g', gateway.url()], cut.io), EXIT.failed);
    assert.equal(cut.stdout(), 'fn (fn-1) before the cut\n');
    assert.match(cut.stderr(), /^Error: the log stream from http:\S+ broke off \(/);
    const url = await closedGatewayUrl();
    const down = captureIo(process.cwd());
    assert.equal(await runCli(['logs', 'fn', '--no-tail', '-g', url], down.io), EXIT.unreachable);
    assert.match(down.stderr(), /^Error: cannot reach the gateway at .* \(ECONNREFUSED\)/);
  });
});
