// ESLint for the kiosk UI (`npm run lint`, run by scripts/test after the
// build, which type-checks): typescript-eslint's type-checked
// recommendations, which catch what tsc does not, such as a promise that
// nobody awaits or handles.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The core rejects with its UiError ({code, message, params}), not an
      // Error; a fake backend throwing one behaves as Tauri's invoke does.
      '@typescript-eslint/only-throw-error': ['error', { allow: [{ from: 'file', name: 'UiError' }] }],
    },
  },
  {
    // A fake backend answers at once: its async methods need no await.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  { files: ['*.js'], extends: [tseslint.configs.disableTypeChecked], languageOptions: { globals: globals.node } },
);
