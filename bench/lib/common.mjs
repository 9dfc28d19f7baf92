// Shared by the benchmark sections: settings from BENCH_* variables, statistics, formatting.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLE_RATE = 48000;
export const FRAMES = 128;
/** One quantum at 48 kHz, in microseconds (2.667 ms). */
export const BUDGET_US = (FRAMES / SAMPLE_RATE) * 1e6;

export const env = {
  number: (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : Number(process.env[name])),
  list: (name, fallback) => (process.env[name] ? process.env[name].split(',').map((x) => x.trim()).filter(Boolean) : fallback),
};

export const buildDir = join(root, 'build/bench');

export function shuffle(items) {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

export function stats(values) {
  if (values.length === 0) return { min: NaN, median: NaN, max: NaN, n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], n: values.length };
}

export const fmt = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? '-' : Number(x).toFixed(digits));
export const ratio = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}x`);

/** Rows as aligned columns under a heading (a string). `columns`: [title, (row) => string, align]. */
export function table(heading, columns, rows, notes = []) {
  const lines = [`\n== ${heading}`];
  const cells = rows.map((row) => columns.map(([, get]) => String(get(row))));
  const widths = columns.map(([title], c) => Math.max(title.length, ...cells.map((r) => r[c].length)));
  const pad = (text, c) => (columns[c][2] === 'left' ? text.padEnd(widths[c]) : text.padStart(widths[c]));
  lines.push(columns.map(([title], c) => pad(title, c)).join('  '));
  for (const r of cells) lines.push(r.map((text, c) => pad(text, c)).join('  '));
  for (const note of notes) lines.push(`   ${note}`);
  return lines.join('\n');
}

export const log = (message) => process.stderr.write(`[bench] ${message}\n`);
