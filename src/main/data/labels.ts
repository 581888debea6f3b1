// Labels from a CSV (`--labels FILE.csv`): one row per sample, `key,label`.
//
// key   — for a folder of images: the image's path relative to the folder ("cat/001.jpg" or
//         "001.jpg"), its file name, or its file name without extension (the last two only
//         when they are unique in the folder); for any other data (.npy, built-in digits): the
//         0-based sample index.
// label — a class index (whole number ≥ 0) or a class name. Names are looked up in the
//         folder's class subfolders when it has them; otherwise names are numbered in sorted
//         order (code unit), as torchvision's ImageFolder numbers folders. Either way the
//         result carries the class list so the mapping is visible.
//
// A header row is recognised by its column names (file/filename/image/path/name/id/index/sample,
// then label/class/target/category/y). Comma or tab separated; "quoted, fields" work.
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { OctetError } from '../../shared/errors';
import { IMAGE_EXTENSIONS, ImageFolderSource } from './images';
import type { DataSource } from './types';

export interface CsvRow {
  key: string;
  value: string;
  line: number;
}

const KEY_HEADERS = new Set(['file', 'filename', 'file_name', 'image', 'image_id', 'img', 'path', 'name', 'id', 'index', 'sample', 'key']);
const VALUE_HEADERS = new Set(['label', 'labels', 'class', 'class_id', 'class_index', 'classid', 'target', 'category', 'y', 'class_name']);

function bad(path: string, msg: string): OctetError {
  return new OctetError('DATA_UNREADABLE', `labels ${path}: ${msg}`);
}

/** Splits one CSV line (RFC 4180 quoting; no newlines inside quotes). */
export function splitCsvLine(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur.trim() === '') {
      quoted = true;
      cur = '';
    } else if (ch === sep) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

export function parseLabelCsv(text: string, path = 'labels.csv'): CsvRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const first = lines.find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  const sep = first.includes(',') ? ',' : first.includes('\t') ? '\t' : first.includes(';') ? ';' : ',';
  const rows: CsvRow[] = [];
  let headerSeen = false;
  lines.forEach((raw, i) => {
    if (raw.trim() === '' || raw.startsWith('#')) return;
    const cells = splitCsvLine(raw, sep);
    if (!headerSeen) {
      headerSeen = true;
      if (cells.length >= 2 && KEY_HEADERS.has(cells[0].toLowerCase()) && VALUE_HEADERS.has(cells[1].toLowerCase())) return;
    }
    if (cells.length < 2 || cells[0] === '' || cells[1] === '') throw bad(path, `line ${i + 1} needs two columns, key and label, got '${raw.slice(0, 80)}'`);
    rows.push({ key: cells[0], value: cells[1], line: i + 1 });
  });
  if (rows.length === 0) throw bad(path, 'holds no rows; write one line per sample: file name (or sample index),class index or name');
  return rows;
}

export interface CsvLabels {
  /** Label of each sample by index; undefined when the CSV has no row for it. */
  labels: (number | undefined)[];
  classes?: string[];
  matched: number;
  /** Keys of rows that match no sample (first few). */
  unmatched: string[];
  unmatchedCount: number;
  notes: string[];
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function listImages(dir: string): Promise<{ images: string[]; subdirs: string[] }> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  const images: string[] = [];
  const subdirs: string[] = [];
  for (const e of entries.sort((a, b) => byCodeUnit(a.name, b.name))) {
    if (e.name.startsWith('.') || e.name === '__MACOSX') continue;
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const st = await stat(join(dir, e.name)).catch(() => undefined);
      isDir = !!st?.isDirectory();
      isFile = !!st?.isFile();
    }
    if (isDir) subdirs.push(e.name);
    else if (isFile && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase())) images.push(e.name);
  }
  return { images, subdirs };
}

/**
 * The relative path of each image file in a folder source, in the source's sample order (flat:
 * sorted names; class folders: round-robin over the sorted classes), as src/main/data/images.ts
 * orders them. A source may expose `sampleName(i)` instead (the hook the data layer can add).
 */
export async function imageOrder(folder: string): Promise<string[]> {
  const root = await listImages(folder);
  const classes = await Promise.all(root.subdirs.map(async (name) => ({ name, images: (await listImages(join(folder, name))).images })));
  if (!classes.some((k) => k.images.length > 0)) return root.images;
  const out: string[] = [];
  const longest = Math.max(...classes.map((k) => k.images.length));
  for (let i = 0; i < longest; i++) for (const k of classes) if (k.images[i]) out.push(`${k.name}/${k.images[i]}`);
  return out;
}

/** Per-sample names for matching CSV keys, or undefined when samples are only numbered. */
export async function sampleNames(source: DataSource, cropsPerImage = 1): Promise<string[] | undefined> {
  const hook = (source as { sampleName?: (i: number) => string }).sampleName;
  if (typeof hook === 'function') return Array.from({ length: source.count }, (_, i) => hook.call(source, i));
  if (!(source instanceof ImageFolderSource)) return undefined;
  const files = await imageOrder(source.folder);
  const names: string[] = [];
  for (let i = 0; i < source.count; i++) {
    const f = files[Math.floor(i / cropsPerImage)];
    if (f === undefined) throw new OctetError('INTERNAL', `cannot match CSV labels: the folder ${source.folder} changed while it was read`);
    names.push(f);
  }
  return names;
}

/** Reads the CSV and gives each of the source's samples its label. */
export async function csvLabels(path: string, source: DataSource, cropsPerImage = 1): Promise<CsvLabels> {
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw bad(path, e.code === 'ENOENT' ? 'no such file' : e.message);
  });
  const rows = parseLabelCsv(text, path);
  const notes: string[] = [];

  // Values → class indices.
  const numeric = rows.every((r) => /^\d+$/.test(r.value));
  let classes: string[] | undefined;
  let classOf: (v: string) => number;
  if (numeric) {
    classes = source.labels;
    classOf = (v) => Number(v);
  } else {
    const names = [...new Set(rows.map((r) => r.value))];
    if (source.labels && names.every((n) => source.labels!.includes(n))) {
      classes = source.labels;
    } else {
      classes = names.sort(byCodeUnit);
      notes.push(
        `labels ${basename(path)}: class names numbered in sorted order (${classes.slice(0, 5).join(', ')}${classes.length > 5 ? ', …' : ''}); check this matches the model's output order`,
      );
    }
    const index = new Map(classes.map((c, i) => [c, i]));
    classOf = (v) => index.get(v)!;
  }

  // Keys → sample indices.
  const names = await sampleNames(source, cropsPerImage);
  const lookup = new Map<string, number[]>();
  const add = (k: string, i: number) => {
    const l = lookup.get(k);
    if (l) l.push(i);
    else lookup.set(k, [i]);
  };
  if (names) {
    const files = new Map<string, number[]>();
    names.forEach((n, i) => {
      const l = files.get(n);
      if (l) l.push(i);
      else files.set(n, [i]);
    });
    const base = new Map<string, Set<string>>();
    const stem = new Map<string, Set<string>>();
    for (const n of files.keys()) {
      const b = n.slice(n.lastIndexOf('/') + 1);
      const s = b.slice(0, b.length - extname(b).length);
      base.set(b, (base.get(b) ?? new Set()).add(n));
      stem.set(s, (stem.get(s) ?? new Set()).add(n));
    }
    for (const [n, idx] of files) for (const i of idx) add(n, i);
    for (const m of [base, stem]) {
      for (const [k, set] of m) if (set.size === 1 && !lookup.has(k)) for (const i of files.get([...set][0])!) add(k, i);
    }
  }
  const labels: (number | undefined)[] = new Array(source.count).fill(undefined);
  const unmatched: string[] = [];
  let unmatchedCount = 0;
  for (const r of rows) {
    const key = r.key.replace(/\\/g, '/').replace(/^\.\//, '');
    let idx: number[] | undefined;
    if (names) idx = lookup.get(key);
    else if (/^\d+$/.test(key)) idx = Number(key) < source.count ? [Number(key)] : undefined;
    else throw bad(path, `line ${r.line}: key '${r.key}' is not a sample index; for ${source.description} the first column is the 0-based sample index`);
    if (!idx) {
      unmatchedCount++;
      if (unmatched.length < 5) unmatched.push(r.key);
      continue;
    }
    const c = classOf(r.value);
    for (const i of idx) labels[i] = c;
  }
  const matched = labels.filter((l) => l !== undefined).length;
  if (matched === 0) {
    throw bad(
      path,
      `no row matches a sample of ${source.description} (first keys: ${rows
        .slice(0, 3)
        .map((r) => `'${r.key}'`)
        .join(', ')}); keys are image file names relative to the folder, or 0-based sample indices`,
    );
  }
  if (unmatchedCount) notes.push(`labels ${basename(path)}: ${unmatchedCount} row(s) match no sample (e.g. ${unmatched.map((k) => `'${k}'`).join(', ')})`);
  return { labels, classes, matched, unmatched, unmatchedCount, notes };
}
