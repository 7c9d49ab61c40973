import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { SluiceError, type FunctionDeployment } from '../api/index.js';
import { hostFacts, unmetConstraints, unschedulableNote, type NodeFacts } from './constraints.js';

const NODE: NodeFacts = { os: 'linux', arch: 'amd64', machine: 'x86_64', hostname: 'Web1', labels: { gpu: 'true', zone: 'eu-1', 'topology.kubernetes.io/region': 'west' } };
const unmet = (constraints: string[], node = NODE): string | undefined => unmetConstraints({ service: 'f', image: 'x', constraints } as FunctionDeployment, node);

describe('unmetConstraints', () => {
  it('is satisfied by a deployment without constraints', () => {
    assert.equal(unmetConstraints({ service: 'f', image: 'x' }, NODE), undefined);
    assert.equal(unmet([]), undefined);
  });

  it("matches Swarm's node attributes with == and !=, values in any case, spaces optional", () => {
    for (const c of ['node.platform.os == linux', 'node.platform.os==Linux', 'node.platform.arch == x86_64', 'node.hostname == web1', 'node.role == manager', 'node.platform.os != windows', 'NODE.PLATFORM.OS == linux']) {
      assert.equal(unmet([c]), undefined, c);
    }
    assert.equal(unmet(['node.platform.os == windows']), '"node.platform.os == windows": this node\'s node.platform.os is linux');
    assert.equal(unmet(['node.platform.os != linux']), '"node.platform.os != linux": this node\'s node.platform.os is linux');
    // Swarm names the architecture as the kernel does: amd64 is Kubernetes's name.
    assert.equal(unmet(['node.platform.arch == amd64']), '"node.platform.arch == amd64": this node\'s node.platform.arch is x86_64');
    assert.equal(unmet(['node.role == worker']), '"node.role == worker": this node\'s node.role is manager');
  });

  it("matches Kubernetes's node labels exactly, the hostname in lower case as the kubelet sets it", () => {
    for (const c of ['kubernetes.io/os=linux', 'kubernetes.io/arch=amd64', 'kubernetes.io/hostname=web1', 'beta.kubernetes.io/arch=amd64', ' kubernetes.io/os = linux ']) {
      assert.equal(unmet([c]), undefined, c);
    }
    assert.equal(unmet(['kubernetes.io/arch=sparc64']), '"kubernetes.io/arch=sparc64": this node\'s kubernetes.io/arch is amd64');
    assert.equal(unmet(['kubernetes.io/os=Linux']), '"kubernetes.io/os=Linux": this node\'s kubernetes.io/os is linux');
    assert.equal(unmet(['kubernetes.io/arch=x86_64']), '"kubernetes.io/arch=x86_64": this node\'s kubernetes.io/arch is amd64');
  });

  it('finds the operator labels as node.labels.X (Swarm) and X (Kubernetes)', () => {
    for (const c of ['node.labels.gpu == true', 'node.labels.gpu == TRUE', 'node.labels.zone != us-1', 'gpu=true', 'zone=eu-1', 'topology.kubernetes.io/region=west']) {
      assert.equal(unmet([c]), undefined, c);
    }
    assert.equal(unmet(['gpu=false']), '"gpu=false": this node\'s gpu is true');
    assert.equal(unmet(['node.labels.zone == us-1']), '"node.labels.zone == us-1": this node\'s node.labels.zone is eu-1');
    // Label names keep their case, as in Swarm and Kubernetes.
    assert.equal(unmet(['node.labels.GPU == true']), '"node.labels.GPU == true": this node has no label GPU (node_labels)');
  });

  it('treats a label the node lacks as empty (Swarm: != holds) or absent (Kubernetes: no match)', () => {
    const bare = { ...NODE, labels: {} };
    assert.equal(unmet(['node.labels.gpu == true'], bare), '"node.labels.gpu == true": this node has no label gpu (node_labels)');
    assert.equal(unmet(['node.labels.gpu != true'], bare), undefined);
    assert.equal(unmet(['gpu=true'], bare), '"gpu=true": this node has no label gpu (node_labels)');
    assert.equal(unmet(['disktype='], bare), '"disktype=": this node has no label disktype (node_labels)');
  });

  it("never matches a Swarm attribute a Sluice node has no value for (swarmkit's unknown keys), whatever the operator", () => {
    for (const c of ['node.id == 2ivku8v2gvtg4', 'node.id != 2ivku8v2gvtg4', 'engine.labels.operatingsystem == ubuntu', 'node.platform.foo == bar']) {
      const key = c.split(/[=!]=/)[0]?.trim();
      assert.equal(unmet([c]), `"${c}": a Sluice node has no ${key} (it has node.hostname, node.role, node.platform.os, node.platform.arch and node.labels.*)`);
    }
  });

  it('names every constraint that fails, in order, and only those', () => {
    assert.equal(
      unmet(['node.platform.os == linux', 'kubernetes.io/arch=arm64', 'gpu=true', 'node.labels.ssd == true']),
      '"kubernetes.io/arch=arm64": this node\'s kubernetes.io/arch is amd64; "node.labels.ssd == true": this node has no label ssd (node_labels)',
    );
  });

  for (const [c, why] of [
    ['linux', 'has no operator'],
    ['', 'has no operator'],
    ['node.platform.os = = linux', 'has more than one ='],
    ['a=b=c', 'has more than one ='],
    ['node.platform.os ==', 'has no valid value after =='],
    ['== linux', 'has no valid key before =='],
    ['node platform == linux', 'has no valid key before =='],
    ['node.labels.x == a>b', 'has no valid value after =='],
    ['kubernetes.io/arch==amd64', 'has no valid key before =='],
    ['=linux', 'has no valid label key before ='],
    ['-gpu=true', 'has no valid label key before ='],
    ['gpu=yes please', 'has no valid label value after ='],
  ] as const) {
    it(`refuses ${JSON.stringify(c)} at deploy: a 400 naming it`, () => {
      assert.throws(
        () => unmet(['node.platform.os == linux', c]),
        (err: SluiceError) => {
          assert.equal(err.code, 'ERR_BAD_REQUEST');
          assert.equal(err.status, 400);
          assert.ok(err.message.startsWith(`function "f": constraint "${c}" ${why}: write it as Swarm does`), err.message);
          return true;
        },
      );
    });
  }
});

describe('hostFacts', () => {
  it("names this host's OS and architecture as Go does, its machine as the kernel does", () => {
    const facts = hostFacts({ gpu: 'true' });
    assert.equal(facts.os, process.platform === 'win32' ? 'windows' : process.platform);
    assert.equal(facts.arch, ({ x64: 'amd64', ia32: '386' } as Record<string, string>)[process.arch] ?? facts.arch);
    assert.equal(facts.machine, os.machine());
    assert.equal(facts.hostname, os.hostname());
    assert.deepEqual(facts.labels, { gpu: 'true' });
    assert.equal(unmetConstraints({ service: 'f', image: 'x', constraints: [`kubernetes.io/arch=${facts.arch}`, `node.platform.arch == ${os.machine()}`] }, facts), undefined);
  });
});

describe('unschedulableNote', () => {
  it('says no replica will start, and why', () => {
    assert.equal(
      unschedulableNote('"gpu=true": this node has no label gpu (node_labels)'),
      'no replica will start: its constraints match no node ("gpu=true": this node has no label gpu (node_labels)); deploy it again with constraints this node meets',
    );
  });
});
