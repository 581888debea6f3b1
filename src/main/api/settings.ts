// Recent models and the last recipe, in Electron's userData or the server's state folder.
// Written atomically, one write at a time; a missing or corrupt file reads as empty settings.
import { readFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite';
import type { Settings } from '../../shared/api';

const MAX_RECENT = 10;

export class SettingsStore {
  private cache?: Settings;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  async get(): Promise<Settings> {
    if (!this.cache) {
      try {
        const raw = JSON.parse(await readFile(this.file, 'utf8')) as Partial<Settings>;
        this.cache = {
          recentModels: Array.isArray(raw.recentModels) ? raw.recentModels.filter((p): p is string => typeof p === 'string').slice(0, MAX_RECENT) : [],
          lastRecipe: raw.lastRecipe && typeof raw.lastRecipe === 'object' ? raw.lastRecipe : undefined,
          lastData: raw.lastData && typeof raw.lastData === 'object' && typeof raw.lastData.spec === 'string' ? raw.lastData : undefined,
        };
      } catch {
        this.cache = { recentModels: [] };
      }
    }
    return structuredClone(this.cache);
  }

  /** Only the main side adds recent models (after it allowed and opened them), never the renderer. */
  addRecent(path: string): Promise<Settings> {
    return this.update((s) => ({ ...s, recentModels: [path, ...s.recentModels.filter((p) => p !== path)].slice(0, MAX_RECENT) }));
  }

  patch(p: Pick<Settings, 'lastRecipe' | 'lastData'>): Promise<Settings> {
    return this.update((s) => ({ ...s, ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) }));
  }

  private update(fn: (s: Settings) => Settings): Promise<Settings> {
    const next = this.chain.then(async () => {
      const s = fn(await this.get());
      this.cache = s;
      await mkdir(dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, JSON.stringify(s, null, 2) + '\n');
      return structuredClone(s);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}
