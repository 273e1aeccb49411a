import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memorySettings } from '../../test/helpers/memory-settings.js';
import { RecordRuleBook, specificity } from './record-rules.js';

const flvEvery = (intervalSec: number) => ({ flv: { enabled: true, intervalSec, storageTimeSec: 0 } });

describe('recording rules', () => {
  it('gives a push the most specific matching rule: exact name, longest prefix, app-wide, any app', async () => {
    const book = await RecordRuleBook.load(memorySettings());
    const t = async (name: string, formats: object) =>
      (await book.createTemplate({ name, description: '', formats, hlsContinueSec: 0 })).id;
    const anyApp = await t('any', { hls: { enabled: true, intervalSec: 1800, storageTimeSec: 0 } });
    const appWide = await t('app', flvEvery(600));
    const cam = await t('cam', flvEvery(60));
    const cam7 = await t('cam7', { mp4: { enabled: true, intervalSec: 300, storageTimeSec: 0 } });
    await book.createRule({ domain: '', app: '', stream: '', prefix: false, templateId: anyApp });
    await book.createRule({ domain: '', app: 'live', stream: '', prefix: false, templateId: appWide });
    await book.createRule({ domain: '', app: 'live', stream: 'ca', prefix: true, templateId: appWide });
    await book.createRule({ domain: '', app: 'live', stream: 'cam', prefix: true, templateId: cam });
    await book.createRule({ domain: '', app: 'live', stream: 'cam7', prefix: false, templateId: cam7 });
    expect(book.defaultsFor('live', 'cam7')).toMatchObject({
      formats: ['mp4'],
      intervalSec: 300,
      templateId: cam7,
    });
    expect(book.defaultsFor('live', 'cam8')).toMatchObject({
      formats: ['flv'],
      intervalSec: 60,
      templateId: cam,
    });
    expect(book.defaultsFor('live', 'other')?.templateId).toBe(appWide);
    expect(book.defaultsFor('edu', 'cam7')?.templateId).toBe(anyApp);
  });

  it('refuses a duplicate rule, a rule for a missing template and deleting a template in use', async () => {
    const settings = memorySettings();
    const book = await RecordRuleBook.load(settings);
    const id = (
      await book.createTemplate({ name: 'x', description: '', formats: flvEvery(60), hlsContinueSec: 0 })
    ).id;
    const rule = { domain: '', app: 'live', stream: 'cam', prefix: true, templateId: id };
    await book.createRule(rule);
    await expect(book.createRule(rule)).rejects.toMatchObject({ kind: 'rule_exists' });
    await expect(book.createRule({ ...rule, templateId: 999 })).rejects.toMatchObject({
      kind: 'template_not_found',
    });
    await expect(book.deleteTemplate(id)).rejects.toMatchObject({ kind: 'template_in_use' });
    // Another node sharing the catalog sees the same book.
    expect((await RecordRuleBook.load(settings)).defaultsFor('live', 'cam1')?.templateId).toBe(id);
    await book.deleteRules((r) => r.stream === 'cam');
    await book.deleteTemplate(id);
    expect(book.templates()).toEqual([]);
  });

  it('ranks an exact name above any prefix and a longer prefix above a shorter one', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,12}$/), fc.nat(11), (stream, cut) => {
        const prefix = stream.slice(0, Math.min(cut, stream.length - 1) + 1);
        const exact = specificity({ app: '', stream, prefix: false }, 'live', stream)!;
        const byPrefix = specificity({ app: 'live', stream: prefix, prefix: true }, 'live', stream)!;
        const shorter = specificity(
          { app: 'live', stream: prefix.slice(0, -1), prefix: true },
          'live',
          stream,
        )!;
        expect(exact).toBeGreaterThan(byPrefix);
        if (prefix.length > 1) expect(byPrefix).toBeGreaterThan(shorter);
        expect(specificity({ app: 'other', stream: '', prefix: false }, 'live', stream)).toBeUndefined();
      }),
    );
  });
});
