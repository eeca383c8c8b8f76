/**
 * The alert rules as a Prometheus Operator PrometheusRule, for the prod overlay: kustomize cannot
 * wrap a file into a custom resource's spec, so deploy/observability/prometheusrule.yaml is
 * generated from alerts.yaml (the one source; promtool tests that one) and committed.
 *
 *   npx tsx deploy/src/observability.ts    rewrite prometheusrule.yaml from alerts.yaml
 *
 * deploy/src/observability.spec.ts fails when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import YAML from 'yaml';

import { OBSERVABILITY, RULES } from './promtool';

export const PROMETHEUS_RULE = join(OBSERVABILITY, 'prometheusrule.yaml');

const HEADER =
  '# Generated from alerts.yaml by `npx tsx deploy/src/observability.ts`: edit alerts.yaml, then\n' +
  '# regenerate (deploy:test fails when this file is stale).\n';

/** The PrometheusRule text alerts.yaml should produce. */
export function prometheusRuleText(): string {
  const rules = YAML.parse(readFileSync(RULES, 'utf8')) as { groups: unknown[] };
  const resource = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'tolem',
      labels: {
        'app.kubernetes.io/part-of': 'tolem',
        'app.kubernetes.io/component': 'monitoring',
      },
    },
    spec: { groups: rules.groups },
  };
  return HEADER + YAML.stringify(resource, { lineWidth: 0, singleQuote: true });
}

if (require.main === module) {
  writeFileSync(PROMETHEUS_RULE, prometheusRuleText());
  process.stdout.write(`wrote ${PROMETHEUS_RULE}\n`);
}
