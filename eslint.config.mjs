import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'native/build/**', 'node_modules/**', 'src/main/onnx/proto/onnx.js', 'src/main/onnx/proto/onnx.d.ts', 'scratch/**', 'e2e/artifacts/**', 'bench/.venv/**', 'bench/.work/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', __dirname: 'readonly', __filename: 'readonly', require: 'readonly', module: 'readonly', Buffer: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // src/shared is the contract between every process and transport: plain TypeScript only.
    files: ['src/shared/**/*.ts'],
    ignores: ['src/shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'fs', 'path', 'os', 'child_process', 'electron', 'react', 'react-dom', 'onnxruntime-node', 'sharp', '../main/*', '../renderer/*', '../../native*'], message: 'src/shared must stay runtime-neutral (no Node, DOM, Electron or app layers).' }] }],
    },
  },
);
