/**
 * Writes every synthetic model to OUT_DIR/<name>.onnx (used by the benchmarks):
 *   npx tsx test/models/write.ts OUT_DIR [name ...]
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { saveModel } from '../../src/main/onnx/model';
import { SYNTHETIC_MODELS } from './synthetic';

export async function writeSyntheticModels(outDir: string, names?: readonly string[]): Promise<{ name: string; path: string; bytes: number }[]> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const unknown = (names ?? []).filter((n) => !SYNTHETIC_MODELS.some((e) => e.name === n));
  if (unknown.length) throw new Error(`Unknown synthetic model(s): ${unknown.join(', ')} (have: ${SYNTHETIC_MODELS.map((e) => e.name).join(', ')})`);
  const written = [];
  for (const entry of SYNTHETIC_MODELS) {
    if (names?.length && !names.includes(entry.name)) continue;
    const path = join(dir, `${entry.name}.onnx`);
    const bytes = await saveModel(entry.build().model, path);
    written.push({ name: entry.name, path, bytes });
  }
  return written;
}

const isMain = /[\\/]models[\\/]write(\.ts)?$/.test(process.argv[1] ?? '');
if (isMain) {
  const [outDir, ...names] = process.argv.slice(2);
  if (!outDir) {
    console.error('usage: tsx test/models/write.ts OUT_DIR [name ...]');
    process.exit(2);
  }
  writeSyntheticModels(outDir, names).then(
    (written) => {
      for (const w of written) console.log(`${w.name.padEnd(18)} ${(w.bytes / 1024).toFixed(1).padStart(9)} KB  ${w.path}`);
    },
    (e) => {
      console.error((e as Error).message);
      process.exit(1);
    },
  );
}
