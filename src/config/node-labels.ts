/** A Kubernetes label name: alphanumerics, `-`, `_`, `.` inside, at most 63 characters. */
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** The optional prefix of a label key: a DNS subdomain. */
const LABEL_PREFIX = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Labels this node has of its own (constraints.ts): given in node_labels they would contradict the host. */
const BUILT_IN = /^(kubernetes\.io\/(os|arch|hostname)|beta\.kubernetes\.io\/(os|arch))$/;

/** Whether `key` is a Kubernetes label key: `name` or `prefix/name` (`gpu`, `topology.kubernetes.io/zone`). */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return LABEL_NAME.test(key);
  return LABEL_PREFIX.test(key.slice(0, slash)) && LABEL_NAME.test(key.slice(slash + 1));
}

/** Whether `value` is a Kubernetes label value: empty, or a label name. */
export function isLabelValue(value: string): boolean {
  return value === '' || LABEL_NAME.test(value);
}

/**
 * The operator's labels of this node, from env `node_labels` (`gpu=true,zone=a`): what constraints
 * match besides the host's own facts. Each bad entry is a problem naming it.
 * @example parseNodeLabels('gpu=true, zone=a', problems) // { gpu: 'true', zone: 'a' }
 */
export function parseNodeLabels(text: string | undefined, problems: string[]): Readonly<Record<string, string>> {
  const labels: Record<string, string> = {};
  for (const entry of (text ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const key = eq === -1 ? entry : entry.slice(0, eq).trim();
    const value = eq === -1 ? '' : entry.slice(eq + 1).trim();
    if (eq === -1 || !isLabelKey(key) || !isLabelValue(value)) {
      problems.push(`node_labels=${text}: "${entry}" is not a label: write key=value pairs separated by commas, as Kubernetes spells labels (gpu=true,zone=eu-1)`);
    } else if (BUILT_IN.test(key)) {
      problems.push(`node_labels=${text}: "${key}" is this host's own label (from its OS, architecture or hostname): leave it out`);
    } else {
      labels[key] = value;
    }
  }
  return Object.freeze(labels);
}
