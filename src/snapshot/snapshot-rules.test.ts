/**
 * The snapshot rule book on real catalogs (SQLite and a throw-away PostgreSQL cluster): the most specific
 * rule's template decides a stream's settings, refusals are the rule book's kinds, and a second node
 * sharing the catalog sees a change when it re-reads.
 */
import { describe, expect, it } from 'vitest';
import { catalogEngines, catalogFor } from '../../test/helpers/catalog-engines.js';
import { RuleBookError } from '../tasks/record-rules.js';
import { SnapshotRuleBook, type SnapshotTemplateInput } from './snapshot-rules.js';

const engines = catalogEngines('livetape-snapshot-rules-');

const template = (intervalSec: number, width = 0, height = 0): SnapshotTemplateInput => ({
  name: `every_${intervalSec}`,
  description: '',
  intervalSec,
  width,
  height,
  pornFlag: 0,
  cos: { appId: 1, bucket: 'b', region: 'r', prefix: '/p', fileName: 'f' },
});

async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof RuleBookError) return error.kind;
    throw error;
  }
  throw new Error('the call succeeded');
}

describe.each(engines.each)('snapshot rules on %s', (_engine, target) => {
  const catalogOf = catalogFor(target);

  it('applies the most specific rule, refuses what the reference refuses, and is shared by nodes', async (ctx) => {
    const catalog = catalogOf(ctx);
    const book = await SnapshotRuleBook.load(catalog.snapshotRules);
    const other = await SnapshotRuleBook.load(catalog.snapshotRules);
    const appWide = await book.createTemplate(template(30));
    const oneStream = await book.createTemplate(template(2, 320));
    expect(oneStream.id).toBe(appWide.id + 1);
    expect(book.settingsFor('live', 'cam')).toBeUndefined();

    await book.createRule({ domain: 'd', app: 'live', stream: '', templateId: appWide.id });
    await book.createRule({ domain: 'd', app: '', stream: 'cam', templateId: oneStream.id });
    expect(book.settingsFor('live', 'cam')).toEqual({ intervalSec: 2, width: 320, height: 0 });
    expect(book.settingsFor('live', 'other')).toEqual({ intervalSec: 30, width: 0, height: 0 });
    expect(book.settingsFor('elsewhere', 'cam')).toEqual({ intervalSec: 2, width: 320, height: 0 });
    expect(book.settingsFor('elsewhere', 'other')).toBeUndefined();

    // Another node sees the rules once it re-reads the catalog.
    expect(other.settingsFor('live', 'cam')).toBeUndefined();
    await other.refresh();
    expect(other.settingsFor('live', 'cam')).toEqual({ intervalSec: 2, width: 320, height: 0 });

    await book.updateTemplate(oneStream.id, { intervalSec: 5 });
    expect(book.settingsFor('live', 'cam')?.intervalSec).toBe(5);

    expect(
      await refusal(book.createRule({ domain: 'd', app: 'live', stream: '', templateId: oneStream.id })),
    ).toBe('rule_exists');
    expect(await refusal(book.createRule({ domain: 'd', app: 'x', stream: '', templateId: 999 }))).toBe(
      'template_not_found',
    );
    expect(await refusal(book.deleteTemplate(oneStream.id))).toBe('template_in_use');
    expect(await refusal(book.deleteTemplate(999))).toBe('template_not_found');
    expect(await refusal(book.updateTemplate(999, { intervalSec: 5 }))).toBe('template_not_found');
    expect(await refusal(book.deleteRule({ domain: 'd', app: 'live', stream: 'cam' }))).toBe(
      'rule_not_found',
    );

    await book.deleteRule({ domain: 'd', app: '', stream: 'cam' });
    expect(book.settingsFor('live', 'cam')?.intervalSec).toBe(30);
    await book.deleteTemplate(oneStream.id);
    expect(book.templates().map((t) => t.id)).toEqual([appWide.id]);
    // A template made by the other node, which has not re-read, gets a free id all the same.
    expect((await other.createTemplate(template(10))).id).toBe(appWide.id + 1);
  });
});
