import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FunctionLogs } from './function-logs.js';

describe('FunctionLogs: how much is kept (log_lines, log_file_size)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-logs-test-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps the last `lines` in memory and the rest on disk, rotating the file past `fileBytes`', async () => {
    const logs = new FunctionLogs(dir, { lines: 3, fileBytes: 1024 });
    await logs.open();
    for (let i = 1; i <= 20; i++) {
      logs.append('fn', 'fn-1', `line ${String(i).padStart(2, '0')} ${'x'.repeat(60)}`);
      await logs.flushed(); // one batch per line, so rotation is checked at each
    }
    assert.deepEqual((await logs.read({ name: 'fn', tail: 2 })).map((m) => m.text.slice(0, 7)), ['line 19', 'line 20']);
    const file = path.join(dir, 'fn.log');
    assert.ok((await stat(file)).size <= 1024, 'the current file stays under its size');
    assert.ok(existsSync(`${file}.1`), 'the one before is kept');
    // Beyond the ring, reads go to the two files: the lines before the older file are gone.
    const all = (await logs.read({ name: 'fn' })).map((m) => Number(m.text.slice(5, 7)));
    assert.ok(all.length > 3 && all.length < 20, `read ${all.length} lines`);
    assert.deepEqual(all, Array.from({ length: all.length }, (_, i) => 21 - all.length + i), 'the newest lines, in order');
  });
});
