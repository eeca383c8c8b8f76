import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import n from 'eslint-plugin-n';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

import tolem from './tools/lint-rules/index.mjs';

const services = ['gateway', 'checkout', 'provider-adapters', 'ledger', 'notifier', 'recurring', 'qr-platform', 'reporting', 'provider-sandbox'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'libs/contracts/src/gen/**', '.nx/**', '.tolem/**', 'reports/**', '**/*.mjs', '**/*.mts'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx, 'simple-import-sort': simpleImportSort, n, tolem },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      curly: ['error', 'multi-line'],
      'no-console': 'error',
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      'n/no-process-env': 'error',
      'tolem/grpc-via-kit': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:core', 'type:infra', 'type:testing'] },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:core', 'type:contracts'] },
            {
              sourceTag: 'type:core',
              onlyDependOnLibsWithTags: ['type:core'],
              bannedExternalImports: ['knex', 'pg', 'kafkajs', '@grpc/grpc-js', 'express', 'fastify'],
            },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:infra', 'type:core', 'type:contracts', 'type:tooling'] },
            { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:infra', 'type:core', 'type:contracts', 'type:tooling', 'type:testing'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:infra', 'type:core', 'type:contracts', 'type:tooling', 'type:testing'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            ...services.map((s) => ({ sourceTag: `scope:${s}`, onlyDependOnLibsWithTags: [`scope:${s}`, 'scope:shared'] })),
          ],
        },
      ],
    },
  },
  { files: ['libs/grpc-kit/src/**/*.ts'], rules: { 'tolem/grpc-via-kit': 'off' } },
  // Tests of any project may use the test kit and the infra provisioning; production code may not.
  {
    files: ['**/test/**/*.ts', '**/*.spec.ts', '**/*.integration-spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          depConstraints: [
            { sourceTag: '*', onlyDependOnLibsWithTags: ['type:contracts', 'type:core', 'type:infra', 'type:testing', 'type:tooling'] },
          ],
        },
      ],
    },
  },
  // config.ts is the one reader of the environment; tools and tests orchestrate processes.
  { files: ['**/src/config.ts', 'tools/**/*.ts', '**/test/**/*.ts', '**/*.spec.ts', 'libs/testing/**/*.ts'], rules: { 'n/no-process-env': 'off' } },
  { files: ['tools/**/*.ts', 'deploy/**/*.ts', '**/src/tools/**/*.ts', '**/src/db/migrate.ts'], rules: { 'no-console': 'off' } },
  // The money float guard, where money is computed or converted.
  { files: ['libs/money/src/**/*.ts', 'apps/ledger/src/**/*.ts', 'apps/provider-adapters/src/**/*.ts'], ignores: ['**/*.spec.ts'], rules: { 'tolem/no-float-money': 'error' } },
  // Layer rules inside apps (Nx cannot see folders inside a project).
  {
    files: ['apps/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['knex', 'pg', 'kafkajs', '@tolem/contracts', '@tolem/grpc-kit', '@tolem/kafka-kit', '@tolem/db-kit'],
          patterns: ['@grpc/*', '@tolem/contracts/*', '../grpc/*', '../db/*', '../kafka/*', '../app/*', '../../grpc/*', '../../db/*', '../../kafka/*', '../../app/*'],
        },
      ],
    },
  },
  {
    files: ['apps/*/src/app/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../grpc/*', '../db/*', '../kafka/*', '../../grpc/*', '../../db/*', '../../kafka/*'] }] },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/test/**', 'libs/testing/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: '@tolem/testing', message: '@tolem/testing is for tests only.' }] }] },
  },
  prettier,
);
