import { describe, expect, it } from 'vitest';

import { inNamespaceEdges } from './manifests';
import { type Endpoint, inCidr, Network, type NetworkPolicy } from './netpol';
import { type K8sObject, render } from './tooling';

const pod = (app: string, ports: Endpoint['ports'] = []): Endpoint => ({
  namespace: 'ns',
  namespaceLabels: { 'kubernetes.io/metadata.name': 'ns' },
  labels: { 'app.kubernetes.io/name': app },
  ports,
});
const policy = (name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({
  metadata: { name },
  spec,
});
const denyAll = policy('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

describe('NetworkPolicy evaluation', () => {
  const a = pod('a');
  const b = pod('b', [{ name: 'grpc', containerPort: 50051 }]);

  it('allows everything to pods no policy selects, nothing once default deny selects them', () => {
    expect(new Network('ns', []).allows(a, b, 50051)).toBe(true);
    expect(new Network('ns', [denyAll]).allows(a, b, 50051)).toBe(false);
  });

  it('needs both the egress of the source and the ingress of the destination', () => {
    const out = policy('a-out', {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'a' } },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'b' } } }],
          ports: [{ port: 50051 }],
        },
      ],
    });
    const inn = policy('b-in', {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'b' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'a' } } }],
          ports: [{ port: 'grpc' }],
        },
      ],
    });
    expect(new Network('ns', [denyAll, out]).allows(a, b, 50051)).toBe(false);
    expect(new Network('ns', [denyAll, inn]).allows(a, b, 50051)).toBe(false);
    expect(new Network('ns', [denyAll, out, inn]).allows(a, b, 50051)).toBe(true);
    // A named port matches only the destination's port of that name.
    expect(new Network('ns', [denyAll, out, inn]).ingress(a, b, 50052)).toBe(false);
    // A podSelector-only peer is in the policy's namespace: the same labels elsewhere do not match.
    expect(
      new Network('ns', [denyAll, out, inn]).ingress(
        { ...a, namespace: 'other', namespaceLabels: {} },
        b,
        50051,
      ),
    ).toBe(false);
  });

  it('matches ipBlocks minus their exceptions, and never pods', () => {
    expect(inCidr('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(inCidr('11.0.0.1', '10.0.0.0/8')).toBe(false);
    const web = policy('web', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }],
    });
    const net = new Network('ns', [web]);
    expect(net.egress(a, { ip: '203.0.113.1' }, 443)).toBe(true);
    expect(net.egress(a, { ip: '10.9.9.9' }, 443)).toBe(false);
    expect(net.egress(a, b, 50051)).toBe(false);
  });
});

describe('the edge comparison of the policy test', () => {
  const without = (objects: K8sObject[], name: string) =>
    objects.filter(
      (o) => !(o['kind'] === 'NetworkPolicy' && (o['metadata'] as { name: string }).name === name),
    );
  let rendered: K8sObject[] | undefined;
  const dev = () => (rendered ??= render('dev'));

  it('sees an edge go missing when a policy is dropped', () => {
    const edges = inNamespaceEdges(dev());
    expect(edges).toContain('reporting/server -> ledger/server:grpc');
    const fewer = inNamespaceEdges(without(dev(), 'reporting-grpc-egress'));
    expect(fewer).not.toContain('reporting/server -> ledger/server:grpc');
    expect(fewer.length).toBe(edges.length - 1);
  });

  it('sees extra edges when a policy opens more than the graph', () => {
    const edges = inNamespaceEdges(dev());
    const open = [
      ...dev(),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'oops', namespace: 'tolem-dev' },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] },
      },
    ];
    const more = inNamespaceEdges(open);
    expect(more).toContain('gateway/server -> provider-adapters/server:grpc');
    expect(more.length).toBeGreaterThan(edges.length);
  });
}, 60_000);
