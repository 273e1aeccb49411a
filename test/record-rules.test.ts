/**
 * Recording rules with real ffmpeg pushes that ask for no recording: a rule for the prefix `cam` records
 * `cam7` as its template says (formats, and the FLV files named by the template's file-name template),
 * and `other` (no rule, global recording off) is not recorded. Refusals use the one error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall } from './helpers/api.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface RecordingJson {
  templateId: number | null;
  stream: string;
  format: string;
  status: string;
  storageKey: string;
  startTime: string;
}

describe('recording rules', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('records cam7 by the rule for prefix cam, and not other', async () => {
    const template = await apiCall<{ id: number }>(t, '/api/v1/record-templates', 'POST', {
      name: 'cams',
      formats: {
        flv: {
          enabled: true,
          intervalSec: 60,
          fileName:
            'rec-{StreamID}_{StartYear}{StartMonth}{StartDay}T{StartHour}{StartMinute}{StartSecond}.{StartMillisecond}_{EndHour}{EndMinute}{EndSecond}',
        },
        mp4: { enabled: true },
      },
    });
    expect(template.status).toBe(201);
    const rule = await apiCall<{ id: number }>(t, '/api/v1/record-rules', 'POST', {
      app: 'live',
      stream: 'cam',
      streamPrefix: true,
      templateId: template.body.id,
    });
    expect(rule.status).toBe(201);
    for (const stream of ['cam7', 'other']) {
      const push = await run(
        'ffmpeg',
        ffmpegPushArgs(t.rtmpUrl('live', stream), { seconds: 2, realtime: false }),
      );
      expect(push.stderr).toBe('');
    }
    const cam7 = await waitFor(
      async () => {
        const res = await apiCall<{ recordings: RecordingJson[] }>(t, '/api/v1/recordings?stream=cam7');
        return res.body.recordings.length >= 2 ? res.body.recordings : undefined;
      },
      30_000,
      'the files of cam7',
    );
    expect(cam7.map((r) => r.format).sort()).toEqual(['flv', 'mp4']);
    // The FLV file is named by the template (UTC; End = start + the 60 s interval), the MP4 as usual.
    const flv = cam7.find((r) => r.format === 'flv')!;
    const start = new Date(flv.startTime);
    const end = new Date(start.getTime() + 60_000);
    const hms = (d: Date) => d.toISOString().slice(11, 19).replaceAll(':', '');
    const day = start.toISOString().slice(0, 10);
    expect(flv.storageKey).toBe(
      `live/cam7/${day}/rec-cam7_${day.replaceAll('-', '')}T${hms(start)}.${start.toISOString().slice(20, 23)}_${hms(end)}.flv`,
    );
    expect(cam7.find((r) => r.format === 'mp4')!.storageKey).toMatch(/\/cam7_\d{8}-\d{6}\.mp4$/);
    // Their template's storage time applies to them.
    expect(cam7.map((r) => r.templateId)).toEqual([template.body.id, template.body.id]);
    // `other`'s push has ended: had it been recorded, its rows (open or done) would exist by now.
    const other = await apiCall<{ recordings: RecordingJson[] }>(
      t,
      '/api/v1/recordings?stream=other&status=all',
    );
    expect(other.body.recordings).toEqual([]);

    expect(await apiCall(t, `/api/v1/record-templates/${template.body.id}`, 'DELETE')).toMatchObject({
      status: 409,
      body: { error: 'conflict', message: expect.stringContaining('used by a rule') },
    });
    expect((await apiCall(t, `/api/v1/record-rules/${rule.body.id}`, 'DELETE')).status).toBe(204);
    expect((await apiCall(t, `/api/v1/record-templates/${template.body.id}`, 'DELETE')).status).toBe(204);
  });

  it('refuses a bad file-name template and an unknown template with the catalogued error shape', async () => {
    for (const fileName of ['{StreamId}', '../x', 'a/b', '{StartYear', 'x'.repeat(201)]) {
      const bad = await apiCall(t, '/api/v1/record-templates', 'POST', {
        name: 'bad',
        formats: { flv: { enabled: true, fileName } },
      });
      expect(bad.status, fileName).toBe(400);
      expect(bad.body, fileName).toEqual({
        error: 'bad_request',
        message: expect.stringMatching(/fileName/),
      });
    }
    expect(await apiCall(t, '/api/v1/record-templates/999', 'PUT', { name: 'x' })).toMatchObject({
      status: 404,
      body: { error: 'not_found', message: 'no record template 999' },
    });
    expect(await apiCall(t, '/api/v1/record-templates/999')).toMatchObject({
      status: 404,
      body: { error: 'not_found', message: 'no record template 999' },
    });
  });
});
