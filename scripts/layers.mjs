// The layers of the app's source, lowest first: code may import from its own folder and from
// folders in lower layers, never from its own layer's other folders or from above. One table,
// read by eslint.config.mjs (a no-restricted-imports rule per folder, for the editor) and by
// scripts/check-layers.mjs (`npm run lint`: resolves every import and reports cycles and upward
// imports). docs/architecture.md ("Layers") says what each layer is for.
//
// A unit is `shared` (src/shared), `renderer` (src/renderer), `native` (native/index.ts, the
// addon's facade) or a top-level folder of src/main. Test files (*.test.ts) are not layered: an
// integration test may import from above the code it tests.
export const LAYERS = [
  ['shared'],
  ['io', 'native'],
  ['onnx'],
  ['data'],
  ['runtime'],
  ['measure'],
  ['quant'],
  ['bench'],
  ['jobs'],
  ['api'],
  ['server'],
  ['cli', 'electron'],
];

/** The renderer is its own process: it may import only the runtime-neutral contract. */
export const RENDERER_MAY_IMPORT = ['shared'];

/** The layer index of a unit (undefined for a unit the table does not know). */
export function layerOf(unit) {
  const i = LAYERS.findIndex((units) => units.includes(unit));
  return i < 0 ? undefined : i;
}

/** The units a unit may import from (besides itself). */
export function allowedImports(unit) {
  if (unit === 'renderer') return [...RENDERER_MAY_IMPORT];
  const layer = layerOf(unit);
  return layer === undefined ? [] : LAYERS.slice(0, layer).flat();
}
