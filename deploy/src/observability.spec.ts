/**
 * The alert rules and the dashboard of deploy/observability: promtool checks the rules and runs
 * their unit tests (alerts.test.yaml), every alert is tested both firing and quiet, carries a
 * severity, a summary, a description and a runbook_url whose anchor exists in deploy/README.md,
 * and every metric a rule or a panel queries exists: tolem_* ones are defined in the apps' and
 * libs' code (a renamed metric fails here), Node's come from prom-client's defaults, recording
 * rules from alerts.yaml. Needs promtool (./promtool.ts fetches Debian's); fails, never skips,
 * without it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { collectDefaultMetrics, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';

import { PROMETHEUS_RULE, prometheusRuleText } from './observability';
import {
  checkRules,
  ensurePromtool,
  OBSERVABILITY,
  RULE_TESTS,
  RULES,
  testRules,
} from './promtool';
import { ROOT } from './tooling';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
interface Target {
  expr?: string;
  datasource?: unknown;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: unknown;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown; datasource?: unknown }[] };
}

const rules = (YAML.parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert !== undefined);
const records = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
const DASHBOARD = join(OBSERVABILITY, 'dashboards', 'tolem.json');
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const README = readFileSync(join(ROOT, 'deploy', 'README.md'), 'utf8');

const allPanels = (panels: Panel[]): Panel[] =>
  panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
const queries = allPanels(dashboard.panels).flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p, expr: t.expr ?? '' })),
);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    out.add(
      (m[1] ?? '')
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return out;
}

const FUNCTIONS_AND_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: string literals, label matchers, grouping
 * clauses, ranges, Grafana variables and function calls removed, what is left are names.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][\w:]*(?=\s*(\()?)/g)) {
    if (m[1] !== undefined) continue; // a function call
    if (FUNCTIONS_AND_KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Every tolem_* metric name the code registers (string literals in non-test sources). */
function definedTolemMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      if (entry === 'node_modules') continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ts$/.test(entry) && !/\.(spec|test)\.ts$/.test(entry)) {
        for (const m of readFileSync(path, 'utf8').matchAll(/['"](tolem_[a-z0-9_]+)['"]/g))
          if (m[1]) names.add(m[1]);
      }
    }
  };
  for (const top of ['apps', 'libs']) {
    for (const project of readdirSync(join(ROOT, top))) {
      const src = join(ROOT, top, project, 'src');
      if (isDir(src)) walk(src);
    }
  }
  return names;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;
/** Series Prometheus makes itself, and cert-manager's (outside our code, for the cert alerts). */
const EXTERNAL = new Set([
  'up',
  'certmanager_certificate_ready_status',
  'certmanager_certificate_expiration_timestamp_seconds',
  'certmanager_certificate_renewal_timestamp_seconds',
]);

let promtool = '';
let nodeMetrics = new Set<string>();
let tolemMetrics = new Set<string>();
let scratch = '';

beforeAll(async () => {
  const got = ensurePromtool();
  promtool = got.bin;
  process.stdout.write(
    `promtool ${got.fetched ? 'fetched' : 'cached'} in ${got.seconds.toFixed(1)}s\n`,
  );
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  nodeMetrics = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
  tolemMetrics = definedTolemMetrics();
  scratch = mkdtempSync(join(tmpdir(), 'tolem-observability-'));
}, 240_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function unknownMetric(name: string): boolean {
  if (records.has(name) || EXTERNAL.has(name)) return false;
  const base = name.replace(HISTOGRAM_SERIES, '');
  if (name.startsWith('tolem_')) return !tolemMetrics.has(name) && !tolemMetrics.has(base);
  return !nodeMetrics.has(name) && !nodeMetrics.has(base);
}

describe('alert rules', () => {
  it('pass promtool check rules', () => {
    const result = checkRules(promtool);
    expect(result.ok, result.output).toBe(true);
  });

  it('pass their promtool unit tests (alerts.test.yaml)', () => {
    const result = testRules(promtool);
    expect(result.ok, result.output).toBe(true);
  }, 60_000);

  it('are each tested firing and quiet', () => {
    interface AlertTest {
      alertname: string;
      exp_alerts?: unknown[];
    }
    const tests = (
      YAML.parse(readFileSync(RULE_TESTS, 'utf8')) as {
        tests: { alert_rule_test?: AlertTest[] }[];
      }
    ).tests.flatMap((t) => t.alert_rule_test ?? []);
    const untested = alerts
      .map((a) => a.alert as string)
      .filter((name) => {
        const mine = tests.filter((t) => t.alertname === name);
        return (
          !mine.some((t) => (t.exp_alerts ?? []).length > 0) ||
          !mine.some((t) => (t.exp_alerts ?? []).length === 0)
        );
      });
    expect(untested).toEqual([]);
  });

  it('carry a severity, a summary, a description and a runbook section that exists', () => {
    const sections = anchors(README);
    const problems = alerts.flatMap((a) => {
      const out: string[] = [];
      if (!['page', 'ticket'].includes(a.labels?.['severity'] ?? ''))
        out.push(`${a.alert}: severity must be page or ticket`);
      for (const key of ['summary', 'description', 'runbook_url'])
        if (!a.annotations?.[key]) out.push(`${a.alert}: no ${key}`);
      const url = a.annotations?.['runbook_url'] ?? '';
      const anchor = /\/deploy\/README\.md#([\w-]+)$/.exec(url)?.[1];
      if (!anchor) out.push(`${a.alert}: runbook_url must point at deploy/README.md#<section>`);
      else if (!sections.has(anchor)) out.push(`${a.alert}: deploy/README.md has no #${anchor}`);
      else if (anchor !== a.alert?.toLowerCase())
        out.push(`${a.alert}: its runbook section should be named after it (#${anchor})`);
      return out;
    });
    expect(problems).toEqual([]);
  });

  it('query only metrics the code defines (or Prometheus and cert-manager export)', () => {
    const unknown = rules.flatMap((r) =>
      metricNames(r.expr)
        .filter(unknownMetric)
        .map((n) => `${r.alert ?? r.record}: ${n}`),
    );
    expect(unknown).toEqual([]);
    // The check sees through the rules: every expression names at least one metric.
    for (const r of rules) expect(metricNames(r.expr), r.expr).not.toEqual([]);
  });

  it('ship to the prod overlay as a PrometheusRule generated from alerts.yaml', () => {
    expect(
      readFileSync(PROMETHEUS_RULE, 'utf8'),
      'deploy/observability/prometheusrule.yaml is stale: run npx tsx deploy/src/observability.ts',
    ).toBe(prometheusRuleText());
  });

  it('would notice a renamed metric', () => {
    expect(unknownMetric('tolem_payments_finished_total')).toBe(false);
    expect(unknownMetric('tolem_payment_finished_total')).toBe(true);
    expect(unknownMetric('tolem_http_request_duration_seconds_bucket')).toBe(false);
    expect(unknownMetric('nodejs_eventloop_lag_p99_seconds')).toBe(false);
    expect(unknownMetric('nodejs_event_loop_lag_seconds')).toBe(true);
    expect(
      metricNames('sum by (le, route) (rate(tolem_x_bucket{route=~"a|b"}[$__rate_interval]))'),
    ).toEqual(['tolem_x_bucket']);
  });
});

describe('dashboard', () => {
  it('is a Grafana dashboard of schema 39+ with the datasource, service and method variables', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(vars['datasource']).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(vars['service']?.type).toBe('query');
    expect(vars['method']?.type).toBe('query');
  });

  it('has unique panel ids and every query on the ${datasource} variable', () => {
    const panels = allPanels(dashboard.panels);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const fixed = panels
      .filter((p) => p.type !== 'row')
      .filter(
        (p) =>
          JSON.stringify(p.datasource) !==
          JSON.stringify({ type: 'prometheus', uid: '${datasource}' }),
      )
      .map((p) => p.title);
    expect(fixed).toEqual([]);
    expect(queries.length).toBeGreaterThan(30);
  });

  it('queries only metrics the code defines', () => {
    const unknown = queries.flatMap(({ panel, expr }) =>
      metricNames(expr)
        .filter(unknownMetric)
        .map((n) => `${panel.title}: ${n}`),
    );
    expect(unknown).toEqual([]);
    const templated = dashboard.templating.list.flatMap((v) => {
      const q = (v.query as { query?: string } | undefined)?.query;
      return q ? [q.replace(/^label_values\((.*),\s*\w+\)$/, '$1')] : [];
    });
    expect(templated.flatMap(metricNames).filter(unknownMetric)).toEqual([]);
  });

  it('has valid PromQL in every panel (checked by promtool)', () => {
    // Grafana's variables replaced by what they expand to, each query as a recording rule.
    const file = join(scratch, 'dashboard-queries.yaml');
    const asRules = queries.map(({ expr }, i) => ({
      record: `dashboard:query_${i}`,
      expr: expr.replace(/\$__rate_interval/g, '5m').replace(/\$\{?\w+\}?/g, '.*'),
    }));
    writeFileSync(file, YAML.stringify({ groups: [{ name: 'dashboard', rules: asRules }] }));
    const result = checkRules(promtool, file);
    expect(result.ok, result.output).toBe(true);
  });
});
