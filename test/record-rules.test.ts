/**
 * Recording rules with real ffmpeg pushes that ask for no recording: a rule for the prefix `cam` records
 * `cam7` as its template says, and `other` (no rule, global recording off) is not recorded.
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
      formats: { flv: { enabled: true, intervalSec: 60 }, mp4: { enabled: true } },
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
    // Their template's storage time applies to them.
    expect(cam7.map((r) => r.templateId)).toEqual([template.body.id, template.body.id]);
    // `other`'s push has ended: had it been recorded, its rows (open or done) would exist by now.
    const other = await apiCall<{ recordings: RecordingJson[] }>(
      t,
      '/api/v1/recordings?stream=other&status=all',
    );
    expect(other.body.recordings).toEqual([]);

    expect((await apiCall(t, `/api/v1/record-templates/${template.body.id}`, 'DELETE')).status).toBe(409);
    expect((await apiCall(t, `/api/v1/record-rules/${rule.body.id}`, 'DELETE')).status).toBe(204);
    expect((await apiCall(t, `/api/v1/record-templates/${template.body.id}`, 'DELETE')).status).toBe(204);
  });
});
