import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { RecordTask } from '../catalog/record-tasks.js';
import type { StreamHub } from '../live/hub.js';
import type { LiveStream } from '../live/live-stream.js';
import { createLogger } from '../log.js';
import { RecordTaskRunner } from './task-runner.js';

const NOW = Date.now();

function task(id: string, startOffset: number): RecordTask {
  return {
    id,
    app: 'live',
    stream: 's1',
    domain: '',
    startTime: NOW + startOffset,
    endTime: NOW + 3600_000,
    formats: ['flv'],
    intervalSec: 600,
    templateId: null,
    origin: 'api',
    stoppedAt: null,
    createdAt: NOW,
  };
}

function setUp() {
  const stream = {
    key: 'live/s1',
    isEnded: false,
    publisher: { app: 'live', stream: 's1' },
  } as unknown as LiveStream;
  const hub = Object.assign(new EventEmitter(), {
    list: () => [stream],
    get: (app: string, name: string) => (app === 'live' && name === 's1' ? stream : undefined),
  }) as unknown as StreamHub;
  let tasks: RecordTask[] = [];
  const recording: string[] = [];
  const runner = new RecordTaskRunner({
    hub,
    tasks: {
      inForce: async () =>
        tasks
          .filter((t) => t.stoppedAt === null)
          .sort((a, b) => a.startTime - b.startTime || a.id.localeCompare(b.id)),
      get: async (id: string) => tasks.find((t) => t.id === id),
      nextStartAfter: async () => undefined,
    } as never,
    recordings: {
      recordFromNow: (_stream, plan) => {
        recording.push(plan.taskId!);
        return {
          finished: Promise.resolve(),
          stop: async () => {
            recording.splice(recording.indexOf(plan.taskId!), 1);
          },
        };
      },
    },
    log: createLogger('silent'),
    intervalMinSec: 1,
    intervalMaxSec: 86400,
  });
  return { runner, recording, setTasks: (next: RecordTask[]) => (tasks = next) };
}

describe('the record task runner', () => {
  it('records at most 3 tasks of a stream, keeping those already recording', async () => {
    const { runner, recording, setTasks } = setUp();
    const first = [task('a', -60_000), task('b', -50_000), task('c', -40_000), task('d', -30_000)];
    setTasks(first);
    await runner.poke();
    expect(recording).toEqual(['a', 'b', 'c']);
    // A task made later whose window began earlier does not take a recording task's place.
    setTasks([task('z', -120_000), ...first]);
    await runner.poke();
    expect(recording).toEqual(['a', 'b', 'c']);
    // A stopped one ends now and frees a place, taken by the earliest waiting task.
    setTasks([task('z', -120_000), { ...first[0]!, stoppedAt: NOW }, ...first.slice(1)]);
    await runner.poke();
    expect(recording).toEqual(['b', 'c', 'z']);
    // A deleted one (gone from the catalog) goes on recording the push it records; its place is free.
    setTasks([task('z', -120_000), ...first.slice(2)]);
    await runner.poke();
    expect(recording).toEqual(['b', 'c', 'z', 'd']);
    await runner.close();
  });
});
