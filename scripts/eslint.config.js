// ESLint flat config (kept in scripts/ so the top level stays as the project layout says).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/**', 'node_modules/**', 'native/vendor/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The arrows point one way: views/ is presentation and takes only types from the engine (src/); what it needs
    // at run time (the catalog, the store) comes through props.
    files: ['views/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src/**', '../src', '../../src'], message: 'views/ may import only types from src/ (use `import type`).', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    // Only the composition root wires the engine to the views.
    files: ['src/**'],
    ignores: ['src/cli.ts', 'src/modes/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/views/**'], message: 'only src/cli.ts and src/modes/ (the composition root) import views/.' }] },
      ],
    },
  },
);
