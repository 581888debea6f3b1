import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { LAYERS, allowedImports } from './scripts/layers.mjs';

// Layers (scripts/layers.mjs, docs/architecture.md "Layers"): one no-restricted-imports rule per
// unit, forbidding relative imports into its own layer's other units and into the layers above,
// and the packages that do not belong on its side. scripts/check-layers.mjs (npm run lint) checks
// the same on resolved paths and adds the cycle check. Test files are not layered.
const NODE_BUILTINS = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'crypto',
  'url',
  'util',
  'zlib',
  'stream',
  'http',
  'https',
  'net',
  'worker_threads',
];
const NOT_IN = {
  // The contract between every process and transport: plain TypeScript only.
  shared: {
    packages: [...NODE_BUILTINS, 'electron', 'react', 'react-dom', 'onnxruntime-node', 'sharp', 'ws', 'protobufjs'],
    why: 'src/shared must stay runtime-neutral (no Node, DOM, Electron or app layers)',
  },
  // The page: no Node, no engine; it reaches the app only through src/shared/api.ts.
  renderer: {
    packages: [...NODE_BUILTINS, 'electron', 'onnxruntime-node', 'sharp', 'ws', 'protobufjs'],
    why: 'the renderer runs in the page: it talks to the app only through src/shared/api.ts',
  },
};
const MAIN_PACKAGES = { packages: ['react', 'react-dom', 'recharts', 'zustand', 'zustand/*'], why: 'UI packages belong to src/renderer' };
const NOT_ELECTRON = { packages: ['electron'], why: 'only src/main/electron may import Electron: the CLI, the server and the worker run in plain Node' };
const unitDir = (unit) => (unit === 'shared' || unit === 'renderer' ? `src/${unit}` : unit === 'native' ? 'native' : `src/main/${unit}`);
const unitFiles = (unit) => (unit === 'native' ? ['native/index.ts'] : [`${unitDir(unit)}/**/*.ts`, `${unitDir(unit)}/**/*.tsx`]);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function layerRules() {
  const units = [...LAYERS.flat(), 'renderer'];
  return units.map((unit) => {
    const allowed = allowedImports(unit);
    const banned = units.filter((u) => u !== unit && !allowed.includes(u));
    const banMain = unit === 'shared' || unit === 'renderer' || unit === 'native';
    const names = banned.filter((u) => !(banMain && !['shared', 'renderer', 'native'].includes(u)));
    const regex = `^(\\.\\./)+(${[...(banMain ? ['main'] : []), ...names.map((u) => (['shared', 'renderer', 'native'].includes(u) ? escape(u) : `(main/)?${escape(u)}`))].join('|')})(/|$)`;
    const layerMessage = `${unit} may import only ${allowed.join(', ') || 'nothing'} ${unit === 'renderer' ? '(its own process)' : '(the layers below it)'}: see scripts/layers.mjs and docs/architecture.md, "Layers"`;
    const packages = [NOT_IN[unit] ?? MAIN_PACKAGES, ...(unit === 'electron' || NOT_IN[unit] ? [] : [NOT_ELECTRON])];
    return {
      files: unitFiles(unit),
      ignores: ['**/*.test.ts', '**/*.test.tsx'],
      rules: {
        'no-restricted-imports': [
          'error',
          { patterns: [{ regex, message: layerMessage }, ...packages.map((p) => ({ group: p.packages, message: `${p.why}.` }))] },
        ],
      },
    };
  });
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'native/build/**',
      'node_modules/**',
      'src/main/onnx/proto/onnx.js',
      'src/main/onnx/proto/onnx.d.ts',
      'scratch/**',
      'e2e/artifacts/**',
      'bench/.venv/**',
      'bench/.work/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        require: 'readonly',
        module: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  ...layerRules(),
);
