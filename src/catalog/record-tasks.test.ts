/** Record tasks against real databases (SQLite and a throw-away PostgreSQL cluster). */
import { describe, expect, it } from 'vitest';
import { catalogEngines, catalogFor } from '../../test/helpers/catalog-engines.js';
import type { NewRecordTask } from './record-tasks.js';

const T0 = 1_750_000_000_000;
const HOUR = 3600_000;
const engines = catalogEngines('livetape-tasks-');

const task = (id: string, startTime: number, endTime: number, stream = 's1'): NewRecordTask => ({
  id,
  app: 'live',
  stream,
  domain: '',
  startTime,
  endTime,
  formats: ['flv', 'hls'],
  intervalSec: 600,
  templateId: null,
  origin: 'api',
});

describe.each(engines.each)('record tasks on %s', (_engine, target) => {
  const catalogOf = catalogFor(target);

  it('stores tasks, finds those in force, stops and deletes them', async (ctx) => {
    const catalog = catalogOf(ctx);
    const repo = catalog.recordTasks;
    const made = await repo.insert(task('1000000000000000001', T0, T0 + HOUR), T0);
    expect(made).toMatchObject({ formats: ['flv', 'hls'], stoppedAt: null, createdAt: T0 });
    await repo.insert(task('1000000000000000002', T0 + 2 * HOUR, T0 + 3 * HOUR), T0);
    await repo.insert(task('1000000000000000003', T0 - HOUR, T0 + HOUR, 's2'), T0);
    expect((await repo.inForce(T0 + 1)).map((t) => t.id)).toEqual([
      '1000000000000000003',
      '1000000000000000001',
    ]);
    expect(await repo.nextStartAfter(T0)).toBe(T0 + 2 * HOUR);
    expect((await repo.list({ stream: 's1', limit: 10 })).map((t) => t.id)).toEqual([
      '1000000000000000001',
      '1000000000000000002',
    ]);
    expect(await repo.list({ startFrom: T0, endUntil: T0 + HOUR, limit: 10 })).toEqual([made]);
    expect((await repo.list({ after: '1000000000000000001', limit: 1 })).map((t) => t.id)).toEqual([
      '1000000000000000002',
    ]);
    expect((await repo.stop('1000000000000000001', T0 + 5))?.stoppedAt).toBe(T0 + 5);
    expect((await repo.stop('1000000000000000001', T0 + 9))?.stoppedAt).toBe(T0 + 5);
    expect((await repo.inForce(T0 + 10)).map((t) => t.id)).toEqual(['1000000000000000003']);
    expect(await repo.stop('404', T0)).toBeUndefined();
    expect(await repo.delete('1000000000000000002')).toBe(true);
    expect(await repo.delete('1000000000000000002')).toBe(false);
    expect(await repo.nextStartAfter(T0)).toBeUndefined();
    expect(await repo.files('1000000000000000001')).toEqual([]);
  });
});
