// One linter for the whole repository. Resolvers additionally get AWS's APPSYNC_JS rules, with
// type information from their own tsconfig (lint is much faster than with one big program).
import js from '@eslint/js';
import appsync from '@aws-appsync/eslint-plugin';
import tseslint from 'typescript-eslint';

const appsyncFiles = [
  'resolvers/**/*.ts',
  'domain/decimal.ts',
  'domain/timezones.ts',
  'domain/currencies.ts',
  'domain/plan.ts',
];

export default tseslint.config(
  { ignores: ['node_modules/', '.local/', 'dist/', 'reports/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    files: appsyncFiles,
    ignores: ['resolvers/manifest.ts'],
    ...appsync.configs.recommended,
    languageOptions: {
      ...appsync.configs.recommended.languageOptions,
      parserOptions: {
        ...appsync.configs.recommended.languageOptions?.parserOptions,
        project: './resolvers/tsconfig.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
);
