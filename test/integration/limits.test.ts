/**
 * `limits.memory` and `limits.cpu` (issue 7, part 6): a replica over its memory limit is killed
 * (control groups) or runs out of its bounded Node heap, the call it was serving gets a 502 naming
 * the reason, and the replica comes back; bad limits are refused at deploy. Functions that spawn a
 * process per call (fork, serializing, streaming) run each one in their replica's groups, and the
 * call whose process the kernel killed gets the same 502. `requests` become the groups' share under
 * contention (CPU shares or weight, memory reclaimed last), for functions with requests alone too;
 * a request above its limit is refused. The host's control groups decide what can be enforced: the
 * kernel kill and the groups' files are only checked where Sluice can make groups. Without them (a
 * gateway started with cgroups=false, as on a host that has none) `limits.memory` is an rlimit on
 * each process: a call's process refused memory gets a 502 naming it, and Node still starts under it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, deploy, deployNodeTs, eventually, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

/** ?native=MB holds MB of Buffers (outside the JS heap); ?heap=1 fills the JS heap; ?opts=1 answers NODE_OPTIONS; ?cgroup=1 its cgroups; ?limits=1 its rlimits. */
const HOG = `import { readFileSync } from 'node:fs';
const held: unknown[] = [];
export default async (event: { query: Record<string, string> }) => {
  if (event.query.opts) return process.env.NODE_OPTIONS ?? '';
  if (event.query.cgroup) return readFileSync('/proc/self/cgroup', 'utf8');
  if (event.query.limits) return readFileSync('/proc/self/limits', 'utf8');
  if (event.query.native) {
    for (let i = 0; i < Number(event.query.native); i++) held.push(Buffer.alloc(1 << 20, i));
    return 'held ' + held.length + ' MB';
  }
  if (event.query.heap) for (;;) held.push(Array.from({ length: 1e5 }, (_, i) => ({ i })));
  return 'ok';
};
`;

/** A per-call process (fprocess `node hog.cjs`): ?mb=N fills N MB of Buffers; ?opts=1 prints NODE_OPTIONS; ?cgroup=1 its cgroups; ?limits=1 its rlimits. */
const PER_CALL_HOG = `
const query = new URLSearchParams(process.env.Http_Query ?? '');
process.stdin.resume().on('end', () => {
  if (query.has('opts')) return process.stdout.write(process.env.NODE_OPTIONS ?? '');
  if (query.has('cgroup')) return process.stdout.write(require('node:fs').readFileSync('/proc/self/cgroup', 'utf8'));
  if (query.has('limits')) return process.stdout.write(require('node:fs').readFileSync('/proc/self/limits', 'utf8'));
  if (query.has('heap')) for (const kept = []; ; ) kept.push(Array.from({ length: 1e5 }, (_, i) => ({ i })));
  const held = [];
  for (let i = 0; i < Number(query.get('mb') ?? 0); i++) held.push(Buffer.alloc(1 << 20, i + 1));
  process.stdout.write('held ' + held.length + ' MB');
});`;

/** The directory of a process's group under `controller`, from its /proc/<pid>/cgroup (v1 or v2). */
function groupDir(cgroupFile: string, controller: string): string {
  const lines = cgroupFile.split('\n');
  const line = lines.find((l) => l.split(':')[1]?.split(',').includes(controller)) ?? lines.find((l) => l.startsWith('0::'));
  const dir = line?.split(':')[2] ?? '';
  return line?.startsWith('0::') ? `/sys/fs/cgroup${dir}` : `/sys/fs/cgroup/${controller}${dir}`;
}

/** Whether this host lets Sluice make control groups (root, cgroup v1 memory or a delegated v2 group). */
async function cgroupsUsable(): Promise<boolean> {
  const own = await readFile('/proc/self/cgroup', 'utf8').catch(() => '');
  return process.getuid?.() === 0 && /memory|^0::/m.test(own);
}

describe('function limits', () => {
  let node: SluiceNode;
  before(async () => {
    node = await startSluice();
    await deployNodeTs(node, 'hog', HOG, { limits: { memory: '128Mi', cpu: '500m' } });
    await waitAvailable(node, 'hog');
  });
  // Stopped, not killed: a gateway that stops removes its replicas' groups (a killed one leaves them to the next start).
  after(async () => {
    await node.stop();
    await cleanup();
  });

  it("bounds a Node function's heap below its memory limit, leaving Node's own 64 MiB", async () => {
    assert.equal(await (await fetch(`${node.url}/function/hog?opts=1`)).text(), '--max-old-space-size=64');
  });

  it('runs the replica in control groups of its own where the host allows', async (t) => {
    if (!(await cgroupsUsable())) return t.skip('no control groups Sluice can make on this host');
    const groups = await (await fetch(`${node.url}/function/hog?cgroup=1`)).text();
    assert.match(groups, /sluice-hog-[0-9a-f]{8}/);
    // Its groups' settings: 128Mi of memory, half a core (50 ms of every 100 ms).
    const at = (controller: string): string => groupDir(groups, controller);
    const read = (file: string): Promise<string> => readFile(file, 'utf8').then((text) => text.trim());
    if (groups.includes(':memory:')) {
      assert.equal(await read(`${at('memory')}/memory.limit_in_bytes`), String(128 * 2 ** 20));
      assert.equal(await read(`${at('cpu')}/cpu.cfs_quota_us`), '50000');
    } else {
      assert.equal(await read(`${at('memory')}/memory.max`), String(128 * 2 ** 20));
      assert.equal(await read(`${at('cpu')}/cpu.max`), '50000 100000');
    }
  });

  it('answers 502 naming the heap when a Node function runs out of it, and the replica comes back', async () => {
    const res = await fetch(`${node.url}/function/hog?heap=1`);
    assert.equal(res.status, 502);
    // Without groups the rlimit (which counts Node's ~80 MiB besides its heap) is mostly reached first.
    const rlimit = (await cgroupsUsable()) ? '' : '|each of its processes may have at most 128Mi';
    assert.match(await res.text(), new RegExp(`function "hog" failed: ran out of memory: (its JavaScript heap is bounded to 64 MiB of its 128Mi \\(limits\\.memory\\)${rlimit})`));
    await eventually(async () => (await fetch(`${node.url}/function/hog`)).status === 200, 15_000, 'the replica back');
  });

  it('answers 502 naming the memory limit when the kernel kills a replica over it', async (t) => {
    if (!(await cgroupsUsable())) return t.skip('no control groups Sluice can make on this host');
    const res = await fetch(`${node.url}/function/hog?native=200`);
    assert.equal(res.status, 502);
    assert.match(await res.text(), /function "hog" failed: was killed for using more than its memory limit of 128Mi \(limits\.memory\)/);
    await eventually(async () => (await fetch(`${node.url}/function/hog`)).status === 200, 15_000, 'the replica back');
    const logs = await (await fetch(`${node.url}/system/logs?name=hog`)).text();
    assert.match(logs, /replica was killed for using more than its memory limit of 128Mi/);
  });

  describe('functions with a process per call', () => {
    const modes = ['fork', 'serializing', 'streaming'] as const;
    const call = (mode: string, query = ''): Promise<Response> => fetch(`${node.url}/function/hog-${mode}${query}`, { method: 'POST' });
    before(async () => {
      const script = path.join(await tempDir('sluice-limits-'), 'hog.cjs');
      await writeFile(script, PER_CALL_HOG);
      for (const mode of modes) {
        await deploy(node, { service: `hog-${mode}`, image: 'hog', envProcess: `node ${script}`, envVars: { mode }, limits: { memory: '64Mi', cpu: '250m' } });
        await waitAvailable(node, `hog-${mode}`);
      }
    });

    it("bounds each call's Node heap as a replica's (64Mi leaves 32 MiB)", async () => {
      assert.equal(await (await call('fork', '?opts=1')).text(), '--max-old-space-size=32');
    });

    it("answers 502 naming the heap when a call's Node process runs out of it, and the next call works", async (t) => {
      if (!(await cgroupsUsable())) return t.skip('no control groups Sluice can make on this host');
      const res = await call('fork', '?heap=1');
      assert.equal(res.status, 502);
      assert.match(await res.text(), /function "hog-fork" failed: ran out of memory: its JavaScript heap is bounded to 32 MiB of its 64Mi \(limits\.memory\)/);
      assert.equal(await (await call('fork', '?mb=1')).text(), 'held 1 MB');
    });

    for (const mode of modes) {
      it(`runs each call's process in its replica's own control groups (${mode} mode)`, async (t) => {
        if (!(await cgroupsUsable())) return t.skip('no control groups Sluice can make on this host');
        const groups = await (await call(mode, '?cgroup=1')).text();
        const memory = groupDir(groups, 'memory');
        assert.match(memory, new RegExp(`/sluice-hog-${mode}-[0-9a-f]{8}$`));
        assert.equal(groupDir(await (await call(mode, '?cgroup=1')).text(), 'memory'), memory, 'the next call joins the same group');
        const read = (file: string): Promise<string> => readFile(file, 'utf8').then((text) => text.trim());
        if (groups.includes(':memory:')) {
          assert.equal(await read(`${memory}/memory.limit_in_bytes`), String(64 * 2 ** 20));
          assert.equal(await read(`${groupDir(groups, 'cpu')}/cpu.cfs_quota_us`), '25000');
        } else {
          assert.equal(await read(`${memory}/memory.max`), String(64 * 2 ** 20));
        }
      });

      it(`answers 502 naming the memory limit when the kernel kills a call's process, and the next call works (${mode} mode)`, async (t) => {
        if (!(await cgroupsUsable())) return t.skip('no control groups Sluice can make on this host');
        const res = await call(mode, '?mb=200');
        assert.equal(res.status, 502);
        assert.match(await res.text(), new RegExp(`function "hog-${mode}" failed: was killed for using more than its memory limit of 64Mi \\(limits\\.memory\\)`));
        const next = await call(mode, '?mb=5');
        assert.equal(next.status, 200);
        assert.equal(await next.text(), 'held 5 MB');
        const logs = await (await fetch(`${node.url}/system/logs?name=hog-${mode}`)).text();
        assert.match(logs, /process was killed for using more than its memory limit of 64Mi/);
      });
    }

    it('removes the groups with the function', async (t) => {
      if (!(await cgroupsUsable())) return t.skip('no control groups Sluice can make on this host');
      const groups = await (await call('fork', '?cgroup=1')).text();
      const dirs = [groupDir(groups, 'memory'), ...(groups.includes(':memory:') ? [groupDir(groups, 'cpu')] : [])];
      for (const dir of dirs) assert.ok(existsSync(dir), dir);
      const res = await fetch(`${node.url}/system/functions`, { method: 'DELETE', body: JSON.stringify({ functionName: 'hog-fork' }), headers: node.system });
      assert.equal(res.status, 202);
      for (const dir of dirs) assert.equal(existsSync(dir), false, `${dir} left behind`);
    });
  });

  describe('requests', () => {
    /** The groups' files a request of 250m and 32Mi writes: v1 shares and soft limit, or v2 weight and memory.low. */
    const assertRequested = async (groups: string): Promise<void> => {
      const read = (file: string): Promise<string> => readFile(file, 'utf8').then((text) => text.trim());
      const memory = groupDir(groups, 'memory');
      if (groups.includes(':memory:')) {
        assert.equal(await read(`${groupDir(groups, 'cpu')}/cpu.shares`), '256');
        assert.equal(await read(`${memory}/memory.soft_limit_in_bytes`), String(32 * 2 ** 20));
        // A request bounds nothing: no CFS quota.
        assert.equal(await read(`${groupDir(groups, 'cpu')}/cpu.cfs_quota_us`), '-1');
      } else {
        assert.equal(await read(`${memory}/cpu.weight`), '10');
        assert.equal(await read(`${memory}/memory.low`), String(32 * 2 ** 20));
        assert.equal(await read(`${memory}/cpu.max`), 'max 100000');
      }
    };
    /** Its groups' dirs, from what the function printed of /proc/self/cgroup. */
    const dirsOf = (groups: string): string[] => [groupDir(groups, 'memory'), ...(groups.includes(':memory:') ? [groupDir(groups, 'cpu')] : [])];
    const requests = { memory: '32Mi', cpu: '250m' };
    before(async () => {
      await deployNodeTs(node, 'lazy', HOG, { requests });
      const script = path.join(await tempDir('sluice-requests-'), 'hog.cjs');
      await writeFile(script, PER_CALL_HOG);
      await deploy(node, { service: 'lazy-fork', image: 'hog', envProcess: `node ${script}`, requests });
      await waitAvailable(node, 'lazy');
      await waitAvailable(node, 'lazy-fork');
    });

    it("gives a replica with requests alone groups of its own, with the kernel's share and no bound", async (t) => {
      // No memory limit, so no heap bound either.
      assert.equal(await (await fetch(`${node.url}/function/lazy?opts=1`)).text(), '');
      if (!(await cgroupsUsable())) return t.skip('no control groups Sluice can make on this host');
      const groups = await (await fetch(`${node.url}/function/lazy?cgroup=1`)).text();
      assert.match(groupDir(groups, 'memory'), /\/sluice-lazy-[0-9a-f]{8}$/);
      await assertRequested(groups);
    });

    it("runs each call's process of a per-call function with requests alone in its replica's groups", async (t) => {
      if (!(await cgroupsUsable())) return t.skip('no control groups Sluice can make on this host');
      const groups = await (await fetch(`${node.url}/function/lazy-fork?cgroup=1`, { method: 'POST' })).text();
      assert.match(groupDir(groups, 'memory'), /\/sluice-lazy-fork-[0-9a-f]{8}$/);
      await assertRequested(groups);
    });

    it('removes their groups with the functions', async (t) => {
      if (!(await cgroupsUsable())) return t.skip('no control groups Sluice can make on this host');
      const dirs = [
        ...dirsOf(await (await fetch(`${node.url}/function/lazy?cgroup=1`)).text()),
        ...dirsOf(await (await fetch(`${node.url}/function/lazy-fork?cgroup=1`, { method: 'POST' })).text()),
      ];
      for (const dir of dirs) assert.ok(existsSync(dir), dir);
      for (const name of ['lazy', 'lazy-fork']) {
        const res = await fetch(`${node.url}/system/functions`, { method: 'DELETE', body: JSON.stringify({ functionName: name }), headers: node.system });
        assert.equal(res.status, 202);
      }
      for (const dir of dirs) assert.equal(existsSync(dir), false, `${dir} left behind`);
    });

    it('refuses a request above its limit, naming both, and requests it cannot read, naming them', async () => {
      for (const [more, pattern] of [
        [{ limits: { memory: '64Mi' }, requests: { memory: '128Mi' } }, /400 .*requests\.memory \\"128Mi\\" is more than limits\.memory \\"64Mi\\"/],
        [{ limits: { cpu: '250m' }, requests: { cpu: '1' } }, /400 .*requests\.cpu \\"1\\" is more than limits\.cpu \\"250m\\"/],
        [{ requests: { memory: 'lots' } }, /400 .*requests\.memory \\"lots\\" is not a memory size of at least 16Mi/],
        [{ requests: { cpu: 'fast' } }, /400 .*requests\.cpu \\"fast\\" is not a CPU amount/],
      ] as const) {
        await assert.rejects(deploy(node, { service: 'greedy', image: 'x', envProcess: 'cat', ...more }), pattern);
      }
    });
  });

  it('refuses limits it cannot read, naming them', async () => {
    for (const [limits, pattern] of [
      [{ memory: 'lots' }, /400 .*limits\.memory \\"lots\\" is not a memory size of at least 16Mi/],
      [{ memory: '128' }, /400 .*limits\.memory \\"128\\" is not a memory size of at least 16Mi/],
      [{ cpu: 'fast' }, /400 .*limits\.cpu \\"fast\\" is not a CPU amount/],
    ] as const) {
      await assert.rejects(deploy(node, { service: 'limited', image: 'x', envProcess: 'cat', limits }), pattern);
    }
  });
});

describe('function limits without control groups (cgroups=false)', () => {
  let node: SluiceNode;
  /** A line of /proc/<pid>/limits: soft and hard, in bytes. */
  const dataLimit = (limits: string): string | undefined => /^Max data size\s+(\S+)\s+(\S+)/m.exec(limits)?.slice(1).join(' ');
  const modes = ['fork', 'serializing', 'streaming'] as const;
  const call = (mode: string, query = ''): Promise<Response> => fetch(`${node.url}/function/rl-${mode}${query}`, { method: 'POST' });
  before(async () => {
    node = await startSluice({ env: { cgroups: 'false' } });
    const script = path.join(await tempDir('sluice-rlimit-'), 'hog.cjs');
    await writeFile(script, PER_CALL_HOG);
    for (const mode of modes) {
      await deploy(node, { service: `rl-${mode}`, image: 'hog', envProcess: `node ${script}`, envVars: { mode }, limits: { memory: '64Mi', cpu: '250m' } });
      await waitAvailable(node, `rl-${mode}`);
    }
    await deployNodeTs(node, 'rl-http', HOG, { limits: { memory: '128Mi' } });
    await waitAvailable(node, 'rl-http');
  });
  after(async () => {
    await node.stop();
    await cleanup();
  });

  it('says at deploy that limits.memory is enforced per process with an rlimit, and limits.cpu is not', () => {
    assert.match(node.output(), /limits\.memory is enforced per process with an rlimit \(no control groups: turned off by cgroups=false or --no-cgroups\); limits\.cpu is not enforced/);
  });

  it("bounds each call's process by the limit, as an rlimit, in no control group of its own", async () => {
    assert.equal(dataLimit(await (await call('fork', '?limits=1')).text()), `${64 * 2 ** 20} ${64 * 2 ** 20}`);
    assert.doesNotMatch(await (await call('fork', '?cgroup=1')).text(), /sluice-rl-fork/);
  });

  for (const mode of modes) {
    it(`answers 502 naming the per-process limit when a call's process runs out of it, and the next call works (${mode} mode)`, async () => {
      const res = await call(mode, '?mb=200');
      assert.equal(res.status, 502);
      assert.match(await res.text(), new RegExp(`function "rl-${mode}" failed: ran out of memory: each of its processes may have at most 64Mi \\(limits\\.memory, enforced per process with an rlimit\\)`));
      const next = await call(mode, '?mb=5');
      assert.equal(next.status, 200);
      assert.equal(await next.text(), 'held 5 MB');
      const logs = await (await fetch(`${node.url}/system/logs?name=rl-${mode}`)).text();
      assert.match(logs, /process ran out of memory: each of its processes may have at most 64Mi/);
    });
  }

  it('starts a Node http-mode function under its limit, which bounds its replica', async () => {
    const res = await fetch(`${node.url}/function/rl-http`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok');
    assert.equal(dataLimit(await (await fetch(`${node.url}/function/rl-http?limits=1`)).text()), `${128 * 2 ** 20} ${128 * 2 ** 20}`);
  });

  it('answers 502 saying it ran out of memory when the replica dies of it, and the replica comes back', async () => {
    const res = await fetch(`${node.url}/function/rl-http?heap=1`);
    assert.equal(res.status, 502);
    // V8 reaches its heap bound or is refused a mapping first: both are told, each in its words.
    assert.match(await res.text(), /function "rl-http" failed: ran out of memory: (its JavaScript heap is bounded to 64 MiB of its 128Mi|each of its processes may have at most 128Mi)/);
    await eventually(async () => (await fetch(`${node.url}/function/rl-http`)).status === 200, 15_000, 'the replica back');
  });
});
