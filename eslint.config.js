// ESLint for the whole tree: typescript-eslint's recommended rules, with Prettier owning layout.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'console/public/', 'nodes/**/*.html'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Unused names are mistakes, except the deliberate `_` prefix for a parameter a signature needs.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // An empty catch must say why it ignores the failure.
      'no-empty': ['error', { allowEmptyCatch: false }],
      // Hostile-input checks match control characters on purpose (NUL, C0).
      'no-control-regex': 'off',
    },
  },
  {
    // Tests read JSON answers of many shapes; typing each would only restate the assertions.
    files: ['test/**', '**/*.test.ts', '**/test-harness.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // CommonJS files (mocha's config and reporter) load what they need with require().
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['console/src/**'], languageOptions: { globals: { ...globals.browser } } },
  {
    files: ['editor-theme/**', 'nodes/**/*.js'],
    languageOptions: { globals: { ...globals.browser, RED: 'readonly', $: 'readonly' } },
  },
);
