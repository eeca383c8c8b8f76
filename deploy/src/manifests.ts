/** Small readers over rendered manifests, shared by the policy tests. */
import {
  type ContainerPort,
  type Endpoint,
  type Labels,
  Network,
  type NetworkPolicy,
} from './netpol';
import type { K8sObject } from './tooling';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

export function at(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const key of path) cur = isObj(cur) ? cur[key] : undefined;
  return cur;
}

export const kindName = (o: Obj) => `${String(o['kind'])}/${String(at(o, 'metadata', 'name'))}`;

export const ofKind = (objects: K8sObject[], kind: string) =>
  objects.filter((o) => o['kind'] === kind);

export function named(objects: K8sObject[], kind: string, name: string): Obj | undefined {
  return objects.find((o) => o['kind'] === kind && at(o, 'metadata', 'name') === name);
}

/** Workloads whose pod template runs containers. */
export const POD_KINDS = ['Deployment', 'Job', 'StatefulSet', 'DaemonSet', 'CronJob'];

export interface Pod {
  /** `<app>/<component>`, e.g. `ledger/server`, `ledger/migrate`, `kafka-topics/topics`. */
  id: string;
  owner: string;
  spec: Obj;
  endpoint: Endpoint;
}

export function pods(objects: K8sObject[]): Pod[] {
  return objects
    .filter((o) => POD_KINDS.includes(String(o['kind'])))
    .map((o) => {
      const template =
        o['kind'] === 'CronJob'
          ? at(o, 'spec', 'jobTemplate', 'spec', 'template')
          : at(o, 'spec', 'template');
      const labels = (at(template, 'metadata', 'labels') ?? {}) as Labels;
      const spec = (at(template, 'spec') ?? {}) as Obj;
      const namespace = String(at(o, 'metadata', 'namespace'));
      const ports = objs(spec['containers']).flatMap((c) => objs(c['ports'])) as unknown as
        | ContainerPort[]
        | never[];
      return {
        id: `${labels['app.kubernetes.io/name'] ?? '?'}/${labels['app.kubernetes.io/component'] ?? '?'}`,
        owner: kindName(o),
        spec,
        endpoint: {
          namespace,
          namespaceLabels: { 'kubernetes.io/metadata.name': namespace },
          labels,
          ports,
        },
      };
    });
}

export function containers(pod: Pod): Obj[] {
  return [...objs(pod.spec['initContainers']), ...objs(pod.spec['containers'])];
}

export const networkPolicies = (objects: K8sObject[]) =>
  ofKind(objects, 'NetworkPolicy') as unknown as NetworkPolicy[];

/**
 * The endpoint a policy's peer describes (a configurable infrastructure selector or ipBlock), and
 * the ports its rule allows. Only matchLabels selectors: what the README documents and overlays set.
 */
export function peerOf(
  objects: K8sObject[],
  policy: string,
  direction: 'ingress' | 'egress',
): { endpoint: Endpoint; ports: number[] } {
  const p = named(objects, 'NetworkPolicy', policy);
  if (!p) throw new Error(`no NetworkPolicy/${policy}`);
  const rule = objs(at(p, 'spec', direction))[0];
  const peer = objs(rule?.[direction === 'egress' ? 'to' : 'from'])[0];
  if (!peer) throw new Error(`NetworkPolicy/${policy} has no ${direction} peer`);
  const ports = objs(rule?.['ports'])
    .map((x) => x['port'])
    .filter((x): x is number => typeof x === 'number');
  // A managed service outside the cluster: an address of its block stands for it.
  const cidr = at(peer, 'ipBlock', 'cidr');
  if (typeof cidr === 'string') return { endpoint: { ip: cidr.split('/')[0] as string }, ports };
  const nsLabels = (at(peer, 'namespaceSelector', 'matchLabels') ?? {}) as Labels;
  return {
    endpoint: {
      namespace: nsLabels['kubernetes.io/metadata.name'] ?? 'elsewhere',
      namespaceLabels: nsLabels,
      labels: (at(peer, 'podSelector', 'matchLabels') ?? {}) as Labels,
    },
    ports,
  };
}

/** Every (source pod, destination pod, named port) pair the policies allow inside the namespace. */
export function inNamespaceEdges(objects: K8sObject[]): string[] {
  const all = pods(objects);
  const namespace = String(all[0]?.endpoint.namespace);
  const net = new Network(namespace, networkPolicies(objects));
  const edges: string[] = [];
  for (const src of all) {
    for (const dst of all) {
      for (const port of dst.endpoint.ports ?? []) {
        if (net.allows(src.endpoint, dst.endpoint, port.containerPort, port.protocol ?? 'TCP'))
          edges.push(`${src.id} -> ${dst.id}:${port.name ?? port.containerPort}`);
      }
    }
  }
  return [...new Set(edges)].sort();
}
