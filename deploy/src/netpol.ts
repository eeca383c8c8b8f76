/**
 * Evaluates Kubernetes NetworkPolicies (networking.k8s.io/v1 semantics) over rendered manifests, so
 * a test can ask "may this pod open this port on that one?" instead of reading YAML:
 *
 * - a pod selected by no policy of a type is not isolated for that direction (all allowed);
 * - once selected, only the union of the rules of the selecting policies is allowed;
 * - a connection between two pods needs the source's egress and the destination's ingress;
 * - a peer with only podSelector means pods of the policy's namespace; namespaceSelector matches
 *   namespace labels (kubernetes.io/metadata.name is the namespace's name); ipBlock matches
 *   addresses (cidr minus except), never the pods modelled here;
 * - a rule's ports match by number, by range (endPort) or by name (the destination container's
 *   port of that name); no ports means every port.
 */
export type Labels = Record<string, string>;

interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}

export interface NetworkPolicy {
  metadata: { name: string; namespace?: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: Rule[];
    egress?: Rule[];
  };
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

/** A pod (namespace + labels + ports) or an address outside the cluster (ip). */
export interface Endpoint {
  namespace?: string;
  namespaceLabels?: Labels;
  labels?: Labels;
  ip?: string;
  ports?: ContainerPort[];
}

export function selects(selector: LabelSelector | undefined, labels: Labels | undefined): boolean {
  if (!selector || labels === undefined) return labels !== undefined;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}))
    if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(value as string)
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(value as string)
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`not an IPv4 address: ${ip}`);
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToInt(base as string) / size) * size;
  const n = ipToInt(ip);
  return n >= start && n < start + size;
}

function peerMatches(peer: Peer, policyNamespace: string, target: Endpoint): boolean {
  if (peer.ipBlock) {
    if (target.ip === undefined) return false;
    return (
      inCidr(target.ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((e) => inCidr(target.ip as string, e))
    );
  }
  if (target.labels === undefined) return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, target.namespaceLabels ?? {})
    : target.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, target.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(
  ports: PolicyPort[] | undefined,
  port: number,
  protocol: string,
  destination: Endpoint,
): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') {
      return (destination.ports ?? []).some(
        (c) => c.name === p.port && c.containerPort === port && (c.protocol ?? 'TCP') === protocol,
      );
    }
    return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
  });
}

const types = (p: NetworkPolicy): string[] =>
  p.spec.policyTypes ?? (p.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);

export class Network {
  constructor(
    private readonly namespace: string,
    private readonly policies: NetworkPolicy[],
  ) {}

  private selecting(pod: Endpoint, type: 'Ingress' | 'Egress'): NetworkPolicy[] {
    if (pod.namespace !== this.namespace) return [];
    return this.policies.filter(
      (p) => types(p).includes(type) && selects(p.spec.podSelector, pod.labels),
    );
  }

  /** Whether `source` (a pod of the namespace) may send to `destination`, by its egress policies. */
  egress(source: Endpoint, destination: Endpoint, port: number, protocol = 'TCP'): boolean {
    const policies = this.selecting(source, 'Egress');
    if (policies.length === 0) return true;
    return policies.some((p) =>
      (p.spec.egress ?? []).some(
        (r) =>
          (r.to === undefined ||
            r.to.length === 0 ||
            r.to.some((peer) => peerMatches(peer, this.namespace, destination))) &&
          portMatches(r.ports, port, protocol, destination),
      ),
    );
  }

  /** Whether `destination` (a pod of the namespace) accepts `source`, by its ingress policies. */
  ingress(source: Endpoint, destination: Endpoint, port: number, protocol = 'TCP'): boolean {
    const policies = this.selecting(destination, 'Ingress');
    if (policies.length === 0) return true;
    return policies.some((p) =>
      (p.spec.ingress ?? []).some(
        (r) =>
          (r.from === undefined ||
            r.from.length === 0 ||
            r.from.some((peer) => peerMatches(peer, this.namespace, source))) &&
          portMatches(r.ports, port, protocol, destination),
      ),
    );
  }

  /** Both ends agree (policies of another namespace are not modelled: none are ours). */
  allows(source: Endpoint, destination: Endpoint, port: number, protocol = 'TCP'): boolean {
    const out =
      source.namespace === this.namespace ? this.egress(source, destination, port, protocol) : true;
    const inn =
      destination.namespace === this.namespace
        ? this.ingress(source, destination, port, protocol)
        : true;
    return out && inn;
  }
}
