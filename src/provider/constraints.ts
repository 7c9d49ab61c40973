import os from 'node:os';
import { errors, type FunctionDeployment } from '../api/index.js';
import { isLabelKey, isLabelValue } from '../config/index.js';

/**
 * What a deployment's `constraints` are matched against: the one node Sluice runs replicas on. Each
 * fact under the name OpenFaaS's providers use for it: Swarm's node attributes (faas-swarm passes
 * constraints on as placement constraints) and Kubernetes's node labels (faas-netes makes a
 * nodeSelector of `key=value` ones).
 */
export interface NodeFacts {
  /** Go's GOOS, as both name it: `linux`, `darwin`, `windows`. */
  readonly os: string;
  /** Kubernetes's `kubernetes.io/arch` (Go's GOARCH): `amd64`, `arm64`. */
  readonly arch: string;
  /** Swarm's `node.platform.arch`, the kernel's name as Docker reports it (`uname -m`): `x86_64`, `aarch64`. */
  readonly machine: string;
  readonly hostname: string;
  /** The operator's labels (env `node_labels`): `node.labels.X` and `X`. */
  readonly labels: Readonly<Record<string, string>>;
}

/** One constraint, parsed. */
interface Constraint {
  /** As written: what messages quote. */
  readonly text: string;
  readonly syntax: 'swarm' | 'kubernetes';
  readonly key: string;
  readonly negated: boolean;
  readonly value: string;
}

/** Swarm's checks (swarmkit's constraint.Parse): a key, `==` or `!=`, a value of these characters. */
const SWARM_KEY = /^[a-z_][a-z0-9\-_.]+$/i;
const SWARM_VALUE = /^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i;
const SWARM_OPERATORS = ['==', '!='] as const;
const SWARM_LABEL_PREFIX = 'node.labels.';
/** Swarm attributes a one-node Sluice has: everything Swarm knows about nodes but their id, IP and engine labels. */
const SWARM_KNOWN = 'node.hostname, node.role, node.platform.os, node.platform.arch and node.labels.*';

/** Node's `process.platform` → Go's GOOS, where they differ. */
const GOOS: Readonly<Record<string, string>> = { win32: 'windows', sunos: 'solaris' };
/** Node's `process.arch` → Go's GOARCH, where they differ (`ppc64` is `ppc64le` on a little-endian host). */
const GOARCH: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386', mipsel: 'mipsle' };

/** This host's facts, with the operator's labels. */
export function hostFacts(labels: Readonly<Record<string, string>> = {}): NodeFacts {
  const arch = os.arch() === 'ppc64' && os.endianness() === 'LE' ? 'ppc64le' : (GOARCH[os.arch()] ?? os.arch());
  return { os: GOOS[os.platform()] ?? os.platform(), arch, machine: os.machine(), hostname: os.hostname(), labels };
}

/**
 * Why this node may not run the deployment's replicas: each of its constraints the node does not
 * satisfy, with the node's own value; undefined when it satisfies them all (or has none). A
 * constraint that is neither syntax is a 400 naming it.
 * @example unmetConstraints(dep, node) // '"kubernetes.io/arch=sparc64": this node\'s kubernetes.io/arch is amd64'
 */
export function unmetConstraints(dep: FunctionDeployment, node: NodeFacts): string | undefined {
  const unmet = (dep.constraints ?? []).map((text) => parseConstraint(dep.service, text)).map((c) => whyUnmet(c, node));
  const reasons = unmet.filter((reason): reason is string => reason !== undefined);
  return reasons.length ? reasons.join('; ') : undefined;
}

/** The line a function's log gets when its constraints keep it off this node. */
export function unschedulableNote(reasons: string): string {
  return `no replica will start: its constraints match no node (${reasons}); deploy it again with constraints this node meets`;
}

/**
 * Swarm's `key == value` / `key != value` (the first operator found, as swarmkit splits), or
 * Kubernetes's `key=value`: one `=`, a label key and a label value.
 */
function parseConstraint(name: string, text: string): Constraint {
  const bad = (why: string) =>
    errors.badRequest(`function "${name}": constraint "${text}" ${why}: write it as Swarm does (node.platform.os == linux, node.labels.gpu != true) or as a Kubernetes node selector (kubernetes.io/arch=amd64)`);
  const op = SWARM_OPERATORS.find((candidate) => text.includes(candidate));
  if (op) {
    const at = text.indexOf(op);
    const [key, value] = [text.slice(0, at).trim(), text.slice(at + op.length).trim()];
    if (!SWARM_KEY.test(key)) throw bad(`has no valid key before ${op}`);
    if (!SWARM_VALUE.test(value)) throw bad(`has no valid value after ${op}`);
    return { text, syntax: 'swarm', key, negated: op === '!=', value };
  }
  const parts = text.split('=');
  if (parts.length !== 2) throw bad(parts.length === 1 ? 'has no operator' : 'has more than one =');
  const [key, value] = parts.map((part) => part.trim()) as [string, string];
  if (!isLabelKey(key)) throw bad('has no valid label key before =');
  if (!isLabelValue(value)) throw bad('has no valid label value after =');
  return { text, syntax: 'kubernetes', key, negated: false, value };
}

/** Why the node does not satisfy `c`; undefined when it does. */
function whyUnmet(c: Constraint, node: NodeFacts): string | undefined {
  const quoted = `"${c.text}"`;
  if (c.syntax === 'kubernetes') {
    const actual = kubernetesLabels(node)[c.key];
    if (actual === c.value) return undefined;
    return actual === undefined ? `${quoted}: this node has no label ${c.key} (node_labels)` : `${quoted}: this node's ${c.key} is ${actual || '""'}`;
  }
  const key = c.key.toLowerCase();
  const isLabel = key.startsWith(SWARM_LABEL_PREFIX) && key.length > SWARM_LABEL_PREFIX.length;
  // A label missing is an empty value, as swarmkit matches it: `!=` holds, `==` does not.
  const actual = isLabel ? (node.labels[c.key.slice(SWARM_LABEL_PREFIX.length)] ?? '') : swarmAttribute(key, node);
  if (actual === undefined) return `${quoted}: a Sluice node has no ${c.key} (it has ${SWARM_KNOWN})`;
  // Swarm compares values without regard to case.
  if ((actual.toLowerCase() === c.value.toLowerCase()) !== c.negated) return undefined;
  if (isLabel && actual === '') return `${quoted}: this node has no label ${c.key.slice(SWARM_LABEL_PREFIX.length)} (node_labels)`;
  return `${quoted}: this node's ${key} is ${actual}`;
}

/** A Swarm node attribute of this node; undefined for one it has no value for (`node.id`, `engine.labels.*`). */
function swarmAttribute(key: string, node: NodeFacts): string | undefined {
  switch (key) {
    case 'node.platform.os':
      return node.os;
    case 'node.platform.arch':
      return node.machine;
    case 'node.hostname':
      return node.hostname;
    case 'node.role':
      // The only node of a swarm is its manager.
      return 'manager';
    default:
      return undefined;
  }
}

/** The node's labels as the kubelet sets them (the hostname in lower case), and the operator's. */
function kubernetesLabels(node: NodeFacts): Readonly<Record<string, string>> {
  return {
    ...node.labels,
    'kubernetes.io/os': node.os,
    'kubernetes.io/arch': node.arch,
    'kubernetes.io/hostname': node.hostname.toLowerCase(),
    'beta.kubernetes.io/os': node.os,
    'beta.kubernetes.io/arch': node.arch,
  };
}
