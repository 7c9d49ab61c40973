import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { SluiceError } from '../api/index.js';
import { CallSignal } from './call-signal.js';
import { watchdogConfig } from './config.js';
import { spawnCall, type CallConfinement, type ProcessExit, type ProcessModeOptions } from './spawn-call.js';
import type { Invocation } from './types.js';

/** A call's process running `script` in sh, in bounds that record how it ended and answer `reason`. */
function confined(script: string, reason: string | undefined): { opts: ProcessModeOptions; exits: ProcessExit[] } {
  const exits: ProcessExit[] = [];
  const confinement: CallConfinement = {
    wrap: (argv) => argv,
    stoppedBy: async (exit) => {
      exits.push(exit);
      return reason;
    },
  };
  const config = watchdogConfig({ mode: 'fork', fprocess: 'sh' }, os.tmpdir());
  const opts: ProcessModeOptions = { name: 'fn', argv: ['/bin/sh', '-c', script], cwd: os.tmpdir(), env: {}, config, log: () => {}, confinement };
  return { opts, exits };
}

function invocation(): Invocation {
  return { method: 'POST', path: '/', query: '', headers: {}, body: null, callId: 'c1', signal: new CallSignal() };
}

describe('spawnCall: a process in bounds', () => {
  it("hands the bounds the end of a failed process's stderr, so they can tell why it died", async () => {
    const { opts, exits } = confined('echo out; echo "RangeError: Array buffer allocation failed" >&2; exit 1', 'ran out of memory');
    const { exited } = spawnCall(opts, invocation(), null, {});
    await assert.rejects(exited, (err: SluiceError) => err.status === 502 && err.message === 'function "fn" failed: ran out of memory');
    assert.deepEqual(exits, [{ code: 1, signal: null, stderr: 'RangeError: Array buffer allocation failed\n' }]);
  });

  it('keeps only the last 8 KiB, and keeps it when the mode reads stderr itself (fork: stderr in the answer)', async () => {
    const { opts, exits } = confined('head -c 20000 /dev/zero | tr "\\0" x >&2; echo " last words" >&2; exit 2', undefined);
    const seen: Buffer[] = [];
    const { exited } = spawnCall(opts, invocation(), null, {}, (chunk) => seen.push(chunk));
    const { code, signal } = await exited;
    assert.deepEqual({ code, signal }, { code: 2, signal: null }, 'bounds that did not stop it leave the exit to the mode');
    assert.equal(Buffer.concat(seen).length, 20_012);
    const stderr = exits[0]?.stderr ?? '';
    assert.equal(stderr.length, 8192);
    assert.ok(stderr.endsWith('x last words\n'));
  });

  it('does not ask the bounds about a process that succeeded', async () => {
    const { opts, exits } = confined('echo fine >&2', 'never');
    assert.deepEqual(await spawnCall(opts, invocation(), null, {}).exited, { code: 0, signal: null });
    assert.deepEqual(exits, []);
  });
});
