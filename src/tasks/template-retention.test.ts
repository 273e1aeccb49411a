import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySettings } from '../../test/helpers/memory-settings.js';
import { type Catalog, openCatalog } from '../catalog/db.js';
import { newFileId } from '../catalog/ids.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { RecordingFormat } from '../catalog/schema.js';
import { createLogger } from '../log.js';
import { RecordRuleBook } from './record-rules.js';
import { TemplateRetention } from './template-retention.js';

const NOW = 1_750_000_000_000;
const HOUR = 3600_000;

describe('per-template retention', () => {
  let dir: string;
  let catalog: Catalog;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livetape-template-retention-'));
    catalog = await openCatalog({ dataDir: dir });
  });
  afterAll(async () => {
    await catalog.close();
    await rm(dir, { recursive: true, force: true });
  });

  const file = async (format: RecordingFormat, endTime: number, templateId?: number) => {
    const id = newFileId();
    await catalog.recordings.insertOpen({
      id,
      app: 'live',
      stream: 'cam1',
      format,
      storageKey: `live/cam1/${id}.${format}`,
      startTime: endTime - 60_000,
      sessionId: 's',
      broadcastId: 's',
      templateId,
    });
    await catalog.recordings.finish(id, { endTime, durationMs: 60_000, sizeBytes: 10, reason: 'interval' });
    return id;
  };

  it("removes a template's files once its storage time for their format has passed, and nothing else", async () => {
    const rules = await RecordRuleBook.load(memorySettings());
    const template = await rules.createTemplate({
      name: 'short',
      description: '',
      formats: {
        flv: { enabled: true, intervalSec: 60, storageTimeSec: 2 * 3600 },
        mp4: { enabled: true, intervalSec: 60, storageTimeSec: 0 },
      },
      hlsContinueSec: 0,
    });
    const old = await file('flv', NOW - 3 * HOUR, template.id);
    const fresh = await file('flv', NOW - HOUR, template.id);
    const keptForever = await file('mp4', NOW - 30 * 24 * HOUR, template.id);
    const noTemplate = await file('flv', NOW - 30 * 24 * HOUR);
    const removed: string[] = [];
    const retention = new TemplateRetention({
      files: catalog.recordTasks,
      rules,
      remover: {
        remove: async (row: RecordingRow) => {
          removed.push(row.id);
          await catalog.recordings.delete(row.id);
        },
      },
      log: createLogger('silent'),
      now: () => NOW,
    });
    expect(await retention.sweep()).toBe(1);
    expect(removed).toEqual([old]);
    for (const id of [fresh, keptForever, noTemplate]) expect(await catalog.recordings.get(id)).toBeDefined();
    expect((await catalog.recordings.get(fresh))?.templateId).toBe(template.id);
  });
});
