/**
 * Scaffolds a new provider adapter in apps/provider-adapters (the Hyperswitch connector-template
 * idea): the adapter, its transformers, a spec and a fixture from templates, and registers it
 * (provider name, a migration widening the provider check, config variables, main.ts wiring).
 *
 *   npx tsx tools/generators/provider-adapter/generate.ts <name> [--dry-run] [--app <dir>]
 *
 * <name> is kebab-case (`acme-pay`): folder and files use it, the provider name stored in the
 * database is its snake_case (`acme_pay`), env variables its UPPER_SNAKE (`ACME_PAY_…`).
 * --dry-run prints every file it would write or change and writes nothing. --app points at
 * another copy of apps/provider-adapters (the generator's own check runs against a temp copy).
 * What it cannot do (the proto enum value, methods, the gateway path) it prints as next steps.
 */
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

function providerNames(source: string): string[] {
  const match = /export const PROVIDER_NAMES = \[([^\]]*)\] as const;/.exec(source);
  if (!match?.[1]) throw new Error('PROVIDER_NAMES not found in provider-transaction.ts');
  return [...match[1].matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1] as string);
}

/** Every file the generator would write for `name` into the app at `app`. */
export function plan(name: string, app: string, now = new Date()): PlannedFile[] {
  const n = namesOf(name);
  const dir = join(app, 'src', 'providers', n.kebab);
  if (existsSync(dir)) throw new Error(`${relative(ROOT, dir)} exists already`);
  const read = (p: string) => readFileSync(join(app, p), 'utf8');

  const domainPath = 'src/domain/provider-transaction.ts';
  const domain = read(domainPath);
  const before = providerNames(domain);
  if (before.includes(n.snake)) throw new Error(`provider ${n.snake} is already registered`);
  const after = [...before, n.snake];
  const newDomain = domain.replace(
    /export const PROVIDER_NAMES = \[[^\]]*\] as const;/,
    `export const PROVIDER_NAMES = [\n  ${after.map((p) => `'${p}'`).join(',\n  ')},\n] as const;`,
  );

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
    `import type { ${n.pascal}Config } from './providers/${n.kebab}/${n.kebab}.adapter';`,
    `./providers/${n.kebab}/${n.kebab}.adapter`,
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

  const files: PlannedFile[] = [
    {
      path: join(dir, `${n.kebab}.adapter.ts`),
      content: render('adapter.ts.tmpl', n),
      kind: 'create',
    },
    {
      path: join(dir, 'transformers.ts'),
      content: render('transformers.ts.tmpl', n),
      kind: 'create',
    },
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
    { path: join(app, domainPath), content: newDomain, kind: 'change' },
    { path: join(app, migrationsIndexPath), content: migrationsIndex, kind: 'change' },
    { path: join(app, configPath), content: config, kind: 'change' },
    { path: join(app, mainPath), content: main, kind: 'change' },
  ];
  return files;
}

export function nextSteps(name: string): string[] {
  const n = namesOf(name);
  return [
    `proto/tolem/common/v1/payment.proto: add PROVIDER_${n.upper} = <next number>; to enum Provider, run npx tsx tools/contracts/generate.ts, then name it '${n.snake}' in PROVIDER_NAMES (libs/contracts/src/payment-names.ts), which every service's mapper reads.`,
    `Methods: add the payment method(s) it serves to METHOD_NAMES / PROVIDER_OF_METHOD (and PaymentMethod in payment.proto with its name in PAYMENT_METHOD_NAMES), then list them in the adapter's \`methods\`.`,
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
