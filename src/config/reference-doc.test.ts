import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { GENERATED_BEGIN, GENERATED_END, renderExampleYaml, renderReferenceTable } from './reference-doc.js';
import { configReference } from './schema.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const STALE = 'stale: run `npx tsx src/config/update-docs.ts`';

/** Table cells without the column padding that the Markdown formatter adds. */
function tableCells(markdown: string): string[][] {
  return markdown
    .trim()
    .split('\n')
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim())
        .map((cell) => (/^-+$/.test(cell) ? '---' : cell)),
    );
}

describe('docs/configuration.md', () => {
  const doc = read('docs/configuration.md');

  it('lists every key with its env var, flag, file key, default and meaning', () => {
    for (const entry of configReference()) {
      const row = doc.split('\n').find((line) => line.startsWith(`| **${entry.key}** `));
      expect(row, `${entry.key} is missing`).toBeDefined();
      for (const part of [entry.env, entry.flag, entry.fileKey, entry.default || "''", entry.accepts]) {
        expect(row!.replaceAll('\\|', '|')).toContain(part);
      }
    }
  });

  it('carries the reference table as generated from the schema', () => {
    const block = doc.slice(
      doc.indexOf(GENERATED_BEGIN) + GENERATED_BEGIN.length,
      doc.indexOf(GENERATED_END),
    );
    expect(tableCells(block), STALE).toEqual(tableCells(renderReferenceTable()));
  });
});

describe('livetape.example.yaml', () => {
  const example = read('livetape.example.yaml');

  it('is generated from the schema', () => {
    expect(example, STALE).toBe(renderExampleYaml());
  });

  it('loads to the defaults with every key uncommented', () => {
    const uncommented = example.replace(/^#(?=[a-z][a-z0-9_]*:)/gm, '');
    const keys = uncommented.match(/^[a-z][a-z0-9_]*(?=:)/gm);
    expect(keys).toEqual(configReference().map((entry) => entry.fileKey));
    const dir = mkdtempSync(join(tmpdir(), 'livetape-example-'));
    try {
      writeFileSync(join(dir, 'livetape.yaml'), uncommented);
      const fromFile = loadConfig({ argv: ['--config', 'livetape.yaml'], env: {}, cwd: dir });
      expect(fromFile).toEqual(loadConfig({ argv: [], env: {}, cwd: dir }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
