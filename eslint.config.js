// ESLint flat config: @eslint/js recommended + typescript-eslint recommended (syntactic only, not
// type-checked, so `eslint .` stays fast) over libs/, apps/, test/, bench/ and the scripts.
// Layout and line length are Prettier's job (`prettier --check .`); layering is scripts/check-layers.mjs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node globals for the plain .js/.mjs files (TypeScript files are checked by tsc, not no-undef). */
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'queueMicrotask',
    'structuredClone',
    'AbortController',
    'AbortSignal',
    'performance',
    'fetch',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'coverage/**', '.readme-check/**', '.nest11/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // `_`-prefixed parameters and destructured leftovers are the codebase's way to mark "unused on purpose".
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `let q!: Queue; q = new Queue(..., () => q.armed)`: a closure built before the single assignment
      // reads the variable, so it cannot be a `const` declared in one statement.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['libs/resilience/src/http/**/*.ts'],
    rules: {
      // URL and header validation rejects control characters (request smuggling, header injection),
      // so its regular expressions match \x00-\x1f on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: nodeGlobals },
  },
);
