/**
 * Rewrites the generated parts of docs/configuration.md and livetape.example.yaml from the schema.
 * Run after changing a key: `npx tsx src/config/update-docs.ts`. A test fails while they are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderExampleYaml, renderReferenceTable, spliceGenerated } from './reference-doc.js';

const root = new URL('../../', import.meta.url);
const docPath = new URL('docs/configuration.md', root);
writeFileSync(docPath, spliceGenerated(readFileSync(docPath, 'utf8'), renderReferenceTable()));
writeFileSync(new URL('livetape.example.yaml', root), renderExampleYaml());
