// ESLint flat config: typescript-eslint's recommended rules, plus the project's layering rules
// (see ARCHITECTURE.md): the core in src/ never imports the operators built on it, and the
// library writes nothing to the console.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'docs/api/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A `let` assigned once, after closures that read it were made, is the idiom for teardown handles.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // CommonJS entry points, and benchmarks that load the built package (what users run) by path.
    files: ['**/*.cjs', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/operators', '**/operators/**', 'runpod-rx/operators'],
              message: 'src/ is the core; operators/ builds on it, never the other way (ARCHITECTURE.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'operators/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
);
