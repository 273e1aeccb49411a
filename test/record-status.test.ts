/**
 * Event 332 from a real server and a real push, through the outbox to a real receiver: a format whose
 * first file cannot be created reports `record_start_failed` while the others start; a disk that stalls
 * for seconds reports `record_paused` while it is stuck and `record_resumed` once it answers again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallbackReceiver,
  callbackProblems,
  type ReceivedCallback,
  startCallbackReceiver,
} from './helpers/callback-receiver.js';
import { pushFast, videoOnlySource } from './helpers/fast-push.js';
import { FaultyTarget } from './helpers/faulty-target.js';
import { waitFor } from './helpers/process.js';
import { startTestServer } from './helpers/server.js';

const KEY = 'k';
const FORMAT_CODES: Record<string, number> = { flv: 1, hls: 2, mp4: 3, aac: 4 };

describe('event 332: failed starts, pauses and resumes', () => {
  let receiver: CallbackReceiver;
  let source: string;

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    source = await videoOnlySource();
  });
  afterAll(async () => {
    await receiver.close();
  });

  /** The 332 events of one stream, as `record_event format` lines, once `last` has arrived. */
  function statusesOf(stream: string, last: string, count: number): Promise<ReceivedCallback[]> {
    return waitFor(
      () => {
        const found = receiver.accepted.filter(
          (c) => c.body.event_type === 332 && c.body.stream_id === stream,
        );
        return found.filter((c) => line(c) === last).length >= count ? found : undefined;
      },
      60_000,
      `${last} for ${stream}`,
    );
  }

  function line(c: ReceivedCallback): string {
    const format = JSON.parse(c.body.record_detail as string).file_format as number;
    const name = Object.keys(FORMAT_CODES).find((f) => FORMAT_CODES[f] === format);
    return `${String(c.body.record_event)} ${name}`;
  }

  it('a format whose first file cannot be created: record_start_failed with why; the other format starts and ends', async () => {
    let disk!: FaultyTarget;
    const t = await startTestServer(
      { CALLBACK_URL_RECORD_STATUS: receiver.url, CALLBACK_KEY: KEY, APPID: '1252033264' },
      { storage: (root) => (disk = new FaultyTarget(root)) },
    );
    try {
      disk.failCreates(/\.flv$/, 'EACCES');
      await pushFast(t, source, 'nocreate', 'record=flv|mp4');
      const statuses = await statusesOf('nocreate', 'record_ended mp4', 1);
      expect(statuses.map(line).sort()).toEqual([
        'record_ended mp4',
        'record_start_failed flv',
        'record_start_succeeded mp4',
      ]);
      const failed = statuses.find((c) => c.body.record_event === 'record_start_failed')!;
      expect(failed.body.detail).toMatch(/create .*\.flv failed/);
      for (const c of statuses) expect(callbackProblems(c, KEY)).toEqual([]);
    } finally {
      await t.close();
    }
  }, 120_000);

  it('a disk stuck for seconds: record_paused while it is, record_resumed once it answers, then record_ended', async () => {
    let disk!: FaultyTarget;
    const t = await startTestServer(
      {
        CALLBACK_URL_RECORD_STATUS: receiver.url,
        CALLBACK_KEY: KEY,
        APPID: '1252033264',
        RECORD_BACKLOG_HIGH: '2',
        RECORD_BACKLOG_LOW: '1',
      },
      { storage: (root) => (disk = new FaultyTarget(root)) },
    );
    try {
      disk.stall();
      const push = pushFast(t, source, 'stuck', 'record=flv');
      // Reported while the disk is still stuck: the outbox lives in the catalog, not on that disk.
      await statusesOf('stuck', 'record_paused flv', 1);
      expect(t.server.hub.get('live', 'stuck')?.isIngestPaused).toBe(true);
      disk.resume();
      await push;
      const statuses = await statusesOf('stuck', 'record_ended flv', 1);
      expect(statuses.map(line)).toEqual([
        'record_start_succeeded flv',
        'record_paused flv',
        'record_resumed flv',
        'record_ended flv',
      ]);
      const session = statuses[0]!.body.session_id;
      for (const c of statuses) {
        expect(callbackProblems(c, KEY)).toEqual([]);
        expect(c.body.session_id).toBe(session);
      }
    } finally {
      disk?.resume();
      await t.close();
    }
  }, 120_000);
});
