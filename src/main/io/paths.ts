import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/** The installed package's root (where package.json says name "octet"), from src/ or dist/. */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'octet') return (root = dir);
    if (dirname(dir) === dir) throw new Error('cannot find the octet package root');
  }
}

export const demoModelPath = (): string => join(packageRoot(), 'assets', 'demo', 'digits.onnx');
