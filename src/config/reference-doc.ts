/**
 * Renders the configuration reference from the schema, for docs/configuration.md (between markers) and
 * livetape.example.yaml, so neither can fall behind the code. `update-docs.ts` writes them.
 */
import YAML from 'yaml';
import { CONFIG_FIELDS, type ConfigReferenceEntry, configReference } from './schema.js';

export const GENERATED_BEGIN =
  '<!-- BEGIN GENERATED: configuration reference (npx tsx src/config/update-docs.ts) -->';
export const GENERATED_END = '<!-- END GENERATED: configuration reference -->';

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function code(text: string): string {
  return text === '' ? "`''`" : `\`${text}\``;
}

export function renderReferenceTable(): string {
  const rows = configReference().map((entry) =>
    [
      `**${entry.key}**`,
      code(entry.env),
      code(entry.flag),
      code(entry.fileKey),
      code(entry.default),
      `${entry.description} Accepts ${entry.accepts}.`,
    ]
      .map(cell)
      .join(' | '),
  );
  return [
    '| Key | Environment | Flag | File key | Default | Meaning |',
    '|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** Replaces the generated block of `document` with `block`; throws if the markers are missing. */
export function spliceGenerated(document: string, block: string): string {
  const begin = document.indexOf(GENERATED_BEGIN);
  const end = document.indexOf(GENERATED_END);
  if (begin < 0 || end < begin) throw new Error('generated-block markers not found');
  return `${document.slice(0, begin + GENERATED_BEGIN.length)}\n${block}\n${document.slice(end)}`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return line === '' ? lines : [...lines, line];
}

function exampleEntry(entry: ConfigReferenceEntry): string {
  const prose = wrap(`${entry.description.replaceAll('`', '')} Accepts ${entry.accepts}.`, 100);
  const setting = YAML.stringify({ [entry.fileKey]: CONFIG_FIELDS[entry.property].default }).trimEnd();
  return [...prose.map((line) => `# ${line}`), `#${setting}`].join('\n');
}

export function renderExampleYaml(): string {
  const header = [
    '# LiveTape configuration file. Every key is listed with its default, commented out:',
    '# remove the "#" in front of a key to set it. Use it with `livetape serve --config livetape.yaml`',
    '# or LIVETAPE_CONFIG=livetape.yaml. Command-line flags override LIVETAPE_* environment variables,',
    '# which override this file. Reference: docs/configuration.md.',
  ].join('\n');
  return `${[header, ...configReference().map(exampleEntry)].join('\n\n')}\n`;
}
