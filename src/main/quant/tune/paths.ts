// Where `octet tune` writes the winning recipe by default; light, so the job host can clean up after a killed worker.
import { basename, dirname, join, resolve } from 'node:path';

/** `<dir of OUT>/<OUT without .onnx>.recipe.json`. */
export function defaultRecipePath(output: string): string {
  const out = resolve(output);
  return join(dirname(out), `${basename(out).replace(/\.onnx$/i, '')}.recipe.json`);
}
