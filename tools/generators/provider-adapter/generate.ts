/**
 * Scaffolds a new provider adapter in apps/provider-adapters (the Hyperswitch connector-template
 * idea): its folder of flows (config.ts, start.ts, callback.ts, transformers.ts, signatures.ts,
 * the assembling <name>.adapter.ts), a spec and a fixture from templates, and registers it: the
 * provider in the catalog (libs/catalog) and in the proto's Provider enum (then regenerates
 * libs/contracts), a migration widening the provider check, config variables, main.ts wiring.
 *
 *   npx tsx tools/generators/provider-adapter/generate.ts <name> [--dry-run] [--app <dir>]
 *
 * <name> is kebab-case (`acme-pay`): folder and files use it, the provider name stored in the
 * database is its snake_case (`acme_pay`), env variables its UPPER_SNAKE (`ACME_PAY_…`).
 * --dry-run prints every file it would write or change and writes nothing. --app points at
 * another copy of apps/provider-adapters inside a copy of the workspace (the generator's own
 * check runs against a temp copy); the catalog and proto edited are that workspace's.
 * What it cannot do (the payment methods, the gateway path) it prints as next steps.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const TEMPLATES = join(__dirname, 'templates');

export interface Names {
  kebab: string;
  snake: string;
  pascal: string;
  camel: string;
  upper: string;
}

export function namesOf(name: string): Names {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 32) {
    throw new Error(`"${name}" must be kebab-case: lowercase letters and digits joined by "-"`);
  }
  const parts = name.split('-');
  const pascal = parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  return {
    kebab: name,
    snake: parts.join('_'),
    pascal,
    camel: pascal.charAt(0).toLowerCase() + pascal.slice(1),
    upper: parts.join('_').toUpperCase(),
  };
}

/** One file the generator writes (created) or rewrites (changed). */
export interface PlannedFile {
  path: string;
  content: string;
  kind: 'create' | 'change';
}

function render(template: string, names: Names, extra: Record<string, string> = {}): string {
  let text = readFileSync(join(TEMPLATES, template), 'utf8');
  const values: Record<string, string> = {
    __name__: names.kebab,
    __snake__: names.snake,
    __Pascal__: names.pascal,
    __camel__: names.camel,
    __UPPER__: names.upper,
    ...extra,
  };
  // Longest keys first, so __UPPER___CURRENCIES is not cut by __UPPER__ of a shorter key.
  for (const key of Object.keys(values).sort((a, b) => b.length - a.length)) {
    text = text.split(key).join(values[key] ?? '');
  }
  return text;
}

/** Inserts text before a marker line, keeping the marker's indentation; fails loudly if absent. */
function beforeMarker(source: string, marker: string, insert: string, file: string): string {
  const index = source.indexOf(marker);
  if (index === -1) throw new Error(`${file}: marker "${marker}" not found; was it edited?`);
  const lineStart = source.lastIndexOf('\n', index) + 1;
  return source.slice(0, lineStart) + insert + source.slice(lineStart);
}

/** Adds an import line among the relative imports, in path order (simple-import-sort's). */
function addImport(source: string, line: string, from: string): string {
  const lines = source.split('\n');
  const relative = lines
    .map((l, i) => ({ l, i, path: /from '(\.[^']+)';$/.exec(l)?.[1] }))
    .filter((x): x is { l: string; i: number; path: string } => x.path !== undefined);
  const after = relative.find((x) => x.path.localeCompare(from) > 0);
  const at = after ? after.i : (relative[relative.length - 1]?.i ?? 0) + 1;
  lines.splice(at, 0, line);
  return lines.join('\n');
}

const CATALOG_PATH = 'libs/catalog/src/catalog.ts';
const PROTO_PATH = 'proto/tolem/common/v1/payment.proto';

/** The provider names of the catalog's PROVIDERS table, in order. */
function providerNames(catalog: string): string[] {
  const block = /export const PROVIDERS = \{([\s\S]*?)\n\} as const/.exec(catalog)?.[1];
  if (block === undefined) throw new Error(`PROVIDERS not found in ${CATALOG_PATH}`);
  return [...block.matchAll(/^ {2}([a-z][a-z0-9_]*): \{/gm)].map((m) => m[1] as string);
}

/** The proto with PROVIDER_<UPPER> appended to enum Provider, numbered after the last value. */
function withProtoProvider(proto: string, upper: string): string {
  const match = /enum Provider \{\n([\s\S]*?)\n\}/.exec(proto);
  if (!match?.[1]) throw new Error(`enum Provider not found in ${PROTO_PATH}`);
  if (new RegExp(`\\bPROVIDER_${upper}\\b`).test(match[1])) {
    throw new Error(`PROVIDER_${upper} is already in ${PROTO_PATH}`);
  }
  const next = Math.max(...[...match[1].matchAll(/= (\d+);/g)].map((m) => Number(m[1]))) + 1;
  const end = match.index + match[0].length - 1;
  return `${proto.slice(0, end)}  PROVIDER_${upper} = ${next};\n${proto.slice(end)}`;
}

/** The workspace an app copy lives in: apps/provider-adapters is two levels down. */
export function workspaceOf(app: string): string {
  return join(app, '..', '..');
}

/** Every file the generator would write for `name` into the app at `app`. */
export function plan(name: string, app: string, now = new Date()): PlannedFile[] {
  const n = namesOf(name);
  const dir = join(app, 'src', 'providers', n.kebab);
  if (existsSync(dir)) throw new Error(`${relative(ROOT, dir)} exists already`);
  const read = (p: string) => readFileSync(join(app, p), 'utf8');

  const root = workspaceOf(app);
  const readRoot = (p: string) => readFileSync(join(root, p), 'utf8');
  const catalog = readRoot(CATALOG_PATH);
  const before = providerNames(catalog);
  if (before.includes(n.snake)) throw new Error(`provider ${n.snake} is already registered`);
  const after = [...before, n.snake];
  const newCatalog = beforeMarker(
    catalog,
    '// generator:providers',
    `  ${n.snake}: { title: '${n.pascal}' },\n`,
    CATALOG_PATH,
  );
  const newProto = withProtoProvider(readRoot(PROTO_PATH), n.upper);

  const migrationsIndexPath = 'migrations/index.ts';
  let migrationsIndex = read(migrationsIndexPath);
  // After every existing migration, even one named ahead of the clock: they apply in name order.
  const latest = [...migrationsIndex.matchAll(/'(\d{14})_[a-z0-9_]+':/g)]
    .map((m) => BigInt(m[1] as string))
    .reduce((a, b) => (b > a ? b : a), 0n);
  const clock = BigInt(now.toISOString().replace(/\D/g, '').slice(0, 14));
  const stamp = (clock > latest ? clock : latest + 1n).toString();
  const migrationName = `${stamp}_allow_provider_${n.snake}`;
  migrationsIndex = addImport(
    migrationsIndex,
    `import * as allowProvider${n.pascal} from './${migrationName}';`,
    `./${migrationName}`,
  );
  migrationsIndex = migrationsIndex.replace(
    /\n};\s*$/,
    `\n  '${migrationName}': allowProvider${n.pascal},\n};\n`,
  );

  const configPath = 'src/config.ts';
  let config = read(configPath);
  config = addImport(
    config,
    `import type { ${n.pascal}Config } from './providers/${n.kebab}/config';`,
    `./providers/${n.kebab}/config`,
  );
  config = beforeMarker(
    config,
    '// generator:config-schema',
    `  // ${n.snake}: enabled when ${n.upper}_PAYMENT_URL is set.\n` +
      `  ${n.upper}_PAYMENT_URL: envs.url().optional(),\n` +
      `  ${n.upper}_SECRET: optionalSecret(),\n`,
    configPath,
  );
  config = beforeMarker(
    config,
    '// generator:config-type',
    `  ${n.camel}?: Readonly<${n.pascal}Config>;\n`,
    configPath,
  );
  config = beforeMarker(
    config,
    '// generator:config-groups',
    `const ${n.upper}_VARS = ['${n.upper}_PAYMENT_URL', '${n.upper}_SECRET'] as const;\n`,
    configPath,
  );
  config = beforeMarker(
    config,
    '// generator:config-load',
    `  if (group(env, ${n.upper}_VARS)) {\n` +
      `    config.${n.camel} = Object.freeze({\n` +
      `      paymentUrl: present(e.${n.upper}_PAYMENT_URL),\n` +
      `      secret: present(e.${n.upper}_SECRET),\n` +
      `      resultUrl: \`\${callbacks}/${n.snake}\`,\n` +
      `    });\n` +
      `  }\n`,
    configPath,
  );

  const mainPath = 'src/main.ts';
  let main = read(mainPath);
  main = addImport(
    main,
    `import { create${n.pascal}Adapter } from './providers/${n.kebab}/${n.kebab}.adapter';`,
    `./providers/${n.kebab}/${n.kebab}.adapter`,
  );
  main = beforeMarker(
    main,
    '// generator:adapters',
    `  if (config.${n.camel}) {\n` +
      `    adapters.push(create${n.pascal}Adapter({ config: config.${n.camel}, transactions }));\n` +
      `  }\n`,
    mainPath,
  );

  // Placeholder vectors so the generated spec runs; replace them with the provider's own.
  const secret = `${n.snake}-test-secret`;
  const body = JSON.stringify({
    order_id: '42',
    amount: '14.65',
    currency: 'USD',
    status: 'success',
    transaction_id: 'T-1',
  });
  const fixture = {
    source: `PLACEHOLDER computed by tools/generators/provider-adapter: replace with ${n.snake}'s published test vectors (and negatives)`,
    secret,
    formSignature: createHmac('sha256', secret).update('42:14.65:USD').digest('hex'),
    body,
    callbackSignature: createHmac('sha256', secret).update(body).digest('hex'),
  };

  const fromTemplate = (file: string, template: string): PlannedFile => ({
    path: join(dir, file),
    content: render(template, n),
    kind: 'create',
  });
  const files: PlannedFile[] = [
    fromTemplate(`${n.kebab}.adapter.ts`, 'adapter.ts.tmpl'),
    fromTemplate('config.ts', 'config.ts.tmpl'),
    fromTemplate('start.ts', 'start.ts.tmpl'),
    fromTemplate('callback.ts', 'callback.ts.tmpl'),
    fromTemplate('transformers.ts', 'transformers.ts.tmpl'),
    fromTemplate('signatures.ts', 'signatures.ts.tmpl'),
    {
      path: join(dir, `${n.kebab}.adapter.spec.ts`),
      content: render('adapter.spec.ts.tmpl', n),
      kind: 'create',
    },
    {
      path: join(dir, '__fixtures__', 'callback.json'),
      content: `${JSON.stringify(fixture, null, 2)}\n`,
      kind: 'create',
    },
    {
      path: join(app, 'migrations', `${migrationName}.ts`),
      content: render('migration.ts.tmpl', n, {
        __BEFORE__: before.map((p) => `'${p}'`).join(', '),
        __AFTER__: after.map((p) => `'${p}'`).join(', '),
      }),
      kind: 'create',
    },
    { path: join(root, CATALOG_PATH), content: newCatalog, kind: 'change' },
    { path: join(root, PROTO_PATH), content: newProto, kind: 'change' },
    { path: join(app, migrationsIndexPath), content: migrationsIndex, kind: 'change' },
    { path: join(app, configPath), content: config, kind: 'change' },
    { path: join(app, mainPath), content: main, kind: 'change' },
  ];
  return files;
}

export function nextSteps(name: string): string[] {
  const n = namesOf(name);
  return [
    `Methods: add the payment method(s) ${n.snake} serves to PAYMENT_METHODS in ${CATALOG_PATH} (provider '${n.snake}', its currencies) and to enum PaymentMethod in ${PROTO_PATH} as PAYMENT_METHOD_<NAME>, then run npx tsx tools/contracts/generate.ts. The adapter serves the catalog's methods of ${n.snake}; provider-adapters' CATALOG_MATCHES_PROTO does not compile while the two disagree, and the catalog spec fails while ${n.snake} serves no method.`,
    `Replace the placeholder protocol in src/providers/${n.kebab}/ (signatures, fields, statuses) and the fixture with the provider's public test vectors; keep the spec's cases.`,
    `Gateway: route /callbacks/${n.snake} to Provider.PROVIDER_${n.upper}; deploy/ and tools/stack: set ${n.upper}_PAYMENT_URL and ${n.upper}_SECRET.`,
    'Read apps/provider-adapters/ADDING_A_PROVIDER.md.',
  ];
}

function main(): void {
  const args = process.argv.slice(2);
  const dryRun = args.includes('--dry-run');
  const appIndex = args.indexOf('--app');
  const app =
    appIndex === -1 ? join(ROOT, 'apps', 'provider-adapters') : (args[appIndex + 1] ?? '');
  const name = args.find((a, i) => !a.startsWith('--') && (appIndex === -1 || i !== appIndex + 1));
  if (!name || (appIndex !== -1 && !app)) {
    process.stderr.write(
      'usage: generate.ts <kebab-name> [--dry-run] [--app <apps/provider-adapters copy>]\n',
    );
    process.exit(2);
  }
  const files = plan(name, app);
  const root = workspaceOf(app);
  for (const file of files) {
    const shown = relative(process.cwd(), file.path);
    if (dryRun) {
      process.stdout.write(`would ${file.kind} ${shown}\n`);
      continue;
    }
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content);
    process.stdout.write(`${file.kind === 'create' ? 'created' : 'changed'} ${shown}\n`);
  }
  if (!dryRun) {
    // The proto gained a Provider value: regenerate libs/contracts so the names agree again.
    execFileSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'tools', 'contracts', 'generate.ts')],
      { cwd: root, stdio: 'inherit' },
    );
    process.stdout.write('regenerated libs/contracts/src/gen\n');
  }
  process.stdout.write(
    `\nNext steps:\n${nextSteps(name)
      .map((s) => `  - ${s}`)
      .join('\n')}\n`,
  );
  if (!dryRun)
    process.stdout.write(
      '\nRun prettier on the files above, then nx run provider-adapters:test.\n',
    );
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`generate: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
