/**
 * Record tasks with a real ffmpeg push that asks for no recording: a task made while the stream is live
 * records from then until stopped; one made before the push records when it starts, again after a
 * reconnect, and survives a restart of the server. Files carry the task id in the catalog and callback 100.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCst } from '../src/vod/tencent/cst-time.js';
import { apiCall } from './helpers/api.js';
import {
  type CallbackReceiver,
  callbackProblems,
  startCallbackReceiver,
} from './helpers/callback-receiver.js';
import { decodeErrors, probe } from './helpers/media-probe.js';
import { ffmpegPushArgs, run, sleep, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface TaskJson {
  id: string;
  state: string;
  stoppedAt: string | null;
  recordings?: Array<{ id: string; status: string; storageKey: string; durationMs: number; taskId: string }>;
}

function livePush(t: TestServer, stream: string): { ffmpeg: ChildProcess; exited: Promise<unknown> } {
  const ffmpeg = spawn('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', stream), { seconds: 90, gop: 15 }), {
    stdio: 'ignore',
  });
  return { ffmpeg, exited: new Promise((resolve) => ffmpeg.once('exit', resolve)) };
}

async function doneFiles(
  t: TestServer,
  id: string,
  count: number,
): Promise<NonNullable<TaskJson['recordings']>> {
  return waitFor(
    async () => {
      const { body } = await apiCall<TaskJson>(t, `/api/v1/record-tasks/${id}`);
      const done = body.recordings?.filter((r) => r.status === 'done') ?? [];
      return done.length >= count ? done : undefined;
    },
    30_000,
    `${count} finished files of task ${id}`,
  );
}

describe('record tasks', () => {
  let receiver: CallbackReceiver;
  let t: TestServer;

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    t = await startTestServer({
      CALLBACK_URL: receiver.url,
      CALLBACK_URL_RECORD_STATUS: receiver.url,
      CALLBACK_KEY: 'k',
      APPID: '1252033264',
      RECORD_INTERVAL_MIN: '1',
    });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('records a live stream from when the task is made until it is stopped', async () => {
    const { ffmpeg, exited } = livePush(t, 'mid1');
    try {
      await waitFor(() => t.server.hub.get('live', 'mid1')?.videoConfig, 15_000, 'the push to be live');
      const created = await apiCall<TaskJson>(t, '/api/v1/record-tasks', 'POST', {
        app: 'live',
        stream: 'mid1',
        endTime: new Date(Date.now() + 3600_000).toISOString(),
        formats: 'flv',
      });
      expect(created.status).toBe(201);
      expect(created.body.state).toBe('recording');
      // The length of the recording is what this test is about: ten seconds of a live push.
      await sleep(10_000);
      const stopped = await apiCall<TaskJson>(t, `/api/v1/record-tasks/${created.body.id}/stop`, 'POST');
      expect(stopped.status).toBe(200);
      expect(stopped.body.state).toBe('stopped');
      // Finalized at once, while the push goes on.
      const [file] = await doneFiles(t, created.body.id, 1);
      expect(t.server.hub.get('live', 'mid1')).toBeDefined();
      expect(file!.taskId).toBe(created.body.id);
      expect(file!.durationMs).toBeGreaterThan(8_000);
      expect(file!.durationMs).toBeLessThan(12_500);
      const path = join(t.dataDir, 'media', file!.storageKey);
      expect(await decodeErrors(path)).toBe('');
      expect((await probe(path)).formatDuration).toBeGreaterThan(8);

      const [callback] = await waitFor(() => {
        const found = receiver.accepted.filter(
          (c) => c.body.event_type === 100 && c.body.file_id === file!.id,
        );
        return found.length > 0 ? found : undefined;
      }, 20_000);
      expect(callback!.body.task_id).toBe(created.body.id);
      expect(callback!.body).not.toHaveProperty('stream_param');
      expect(typeof callback!.body.start_time_usec).toBe('number');
      expect(typeof callback!.body.end_time_usec).toBe('number');
      expect(callbackProblems(callback!, 'k')).toEqual([]);
      // Event 332: started, then ended after the file's event 100, both naming the task and the session.
      const statuses = await waitFor(() => {
        const found = receiver.accepted.filter(
          (c) => c.body.event_type === 332 && c.body.task_id === created.body.id,
        );
        return found.length >= 2 ? found : undefined;
      }, 20_000);
      expect(statuses.map((c) => c.body.record_event)).toEqual(['record_start_succeeded', 'record_ended']);
      const session = JSON.parse(callback!.body.callback_ext as string).session_id;
      for (const status of statuses) {
        expect(callbackProblems(status, 'k')).toEqual([]);
        expect(status.body.session_id).toBe(session);
        expect(JSON.parse(status.body.record_detail as string)).toMatchObject({
          file_format: 1,
          start_model: 5,
        });
      }
      expect(receiver.accepted.indexOf(statuses[1]!)).toBeGreaterThan(receiver.accepted.indexOf(callback!));
      // A stopped task does not start again.
      await apiCall(t, '/api/v1/streams');
      expect(
        (await apiCall<TaskJson>(t, `/api/v1/record-tasks/${created.body.id}`)).body.recordings,
      ).toHaveLength(1);
    } finally {
      ffmpeg.kill('SIGKILL');
      await exited;
    }
  });

  it('records at most 3 overlapping tasks of a stream; a deleted task finishes the push it records', async () => {
    const { ffmpeg, exited } = livePush(t, 'many1');
    try {
      await waitFor(() => t.server.hub.get('live', 'many1')?.videoConfig, 15_000, 'the push to be live');
      const endTime = new Date(Date.now() + 3600_000).toISOString();
      const made: TaskJson[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await apiCall<TaskJson>(t, '/api/v1/record-tasks', 'POST', {
          app: 'live',
          stream: 'many1',
          endTime,
          formats: 'flv',
        });
        expect(res.status).toBe(201);
        made.push(res.body);
      }
      expect(made.map((task) => task.state)).toEqual(['recording', 'recording', 'recording', 'active']);
      const first = made[0]!.id;
      await waitFor(
        async () =>
          (await apiCall<TaskJson>(t, `/api/v1/record-tasks/${first}`)).body.recordings?.length
            ? true
            : undefined,
        20_000,
        'the first task to open its file',
      );
      expect((await apiCall(t, `/api/v1/record-tasks/${first}`, 'DELETE')).status).toBe(204);
      // Making a task has the runner look at every task again: the deleted one records on, and the waiting
      // 4th takes its place among the 3.
      const fifth = await apiCall<TaskJson>(t, '/api/v1/record-tasks', 'POST', {
        app: 'live',
        stream: 'many1',
        endTime,
        formats: 'flv',
      });
      expect(fifth.body.state).toBe('active');
      expect((await apiCall<TaskJson>(t, `/api/v1/record-tasks/${made[3]!.id}`)).body.state).toBe(
        'recording',
      );
      const open = await apiCall<{ recordings: Array<{ taskId: string }> }>(
        t,
        '/api/v1/recordings?stream=many1&status=recording',
      );
      expect(open.body.recordings.map((r) => r.taskId)).toContain(first);
      ffmpeg.kill('SIGKILL');
      await exited;
      // Its file is finished when the push ends, not when the task was deleted, and keeps the task id.
      const files = await waitFor(
        async () => {
          const res = await apiCall<{ recordings: Array<{ taskId: string; reason: string }> }>(
            t,
            '/api/v1/recordings?stream=many1',
          );
          return res.body.recordings.length >= 4 ? res.body.recordings : undefined;
        },
        30_000,
        "the tasks' files",
      );
      expect(files.find((f) => f.taskId === first)?.reason).toBe('unpublish');
      expect(files.some((f) => f.taskId === fifth.body.id)).toBe(false);
    } finally {
      ffmpeg.kill('SIGKILL');
      await exited;
    }
  });

  it('refuses windows the reference refuses, naming the field', async () => {
    const now = Date.now();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ endTime: String(now - 1000) }, 'endTime'],
      [{ endTime: String(now + 8 * 86400_000) }, 'endTime'],
      [{ startTime: String(now), endTime: String(now + 25 * 3600_000) }, 'endTime'],
      [{ endTime: String(now + 60_000), formats: 'avi' }, 'formats'],
      [{ endTime: 'soon' }, 'endTime'],
    ];
    for (const [extra, field] of cases) {
      const res = await apiCall<{ message: string }>(t, '/api/v1/record-tasks', 'POST', {
        app: 'live',
        stream: 'x',
        ...extra,
      });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.message).toContain(`"${field}"`);
    }
    expect((await apiCall(t, '/api/v1/record-tasks/123/stop', 'POST')).status).toBe(404);
    expect((await apiCall(t, '/api/v1/record-tasks/123', 'DELETE')).status).toBe(404);
  });
});

describe('a record task made before the push', () => {
  it('records each push inside its window, also after a restart', async () => {
    let t = await startTestServer();
    const dataDir = t.dataDir;
    try {
      const created = await apiCall<TaskJson>(t, '/api/v1/record-tasks', 'POST', {
        app: 'live',
        stream: 'early1',
        endTime: new Date(Date.now() + 3600_000).toISOString(),
        formats: 'flv|hls',
      });
      expect(created.status).toBe(201);
      expect(created.body.state).toBe('active');
      await t.server.close();
      t = await startTestServer({}, { dataDir });

      const push = () =>
        run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'early1'), { seconds: 3, realtime: false }));
      expect((await push()).stderr).toBe('');
      const first = await doneFiles(t, created.body.id, 2);
      expect(new Set(first.map((f) => f.taskId))).toEqual(new Set([created.body.id]));
      // The same stream pushed again inside the window: new files, same task.
      expect((await push()).stderr).toBe('');
      const all = await doneFiles(t, created.body.id, 4);
      expect(new Set(all.map((f) => f.id)).size).toBe(4);

      // Deleted: later pushes are not recorded.
      expect((await apiCall(t, `/api/v1/record-tasks/${created.body.id}`, 'DELETE')).status).toBe(204);
      expect((await push()).stderr).toBe('');
      const listed = await apiCall<{ recordings: unknown[] }>(
        t,
        '/api/v1/recordings?stream=early1&status=all',
      );
      expect(listed.body.recordings).toHaveLength(4);
    } finally {
      await t.server.close();
      const { rm } = await import('node:fs/promises');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('legacy Live_Tape_Start / Live_Tape_Stop', () => {
  it('make and stop record tasks through /common_access', async () => {
    const key = 'legacy-key';
    const t = await startTestServer({ APPID: '1234', API_KEY: key });
    const call = async (params: Record<string, string>) => {
      const expiry = String(Math.floor(Date.now() / 1000) + 60);
      const sign = createHash('md5')
        .update(key + expiry)
        .digest('hex');
      const query = new URLSearchParams({ appid: '1234', t: expiry, sign, ...params });
      return (await (await fetch(t.httpUrl(`/common_access?${query}`))).json()) as {
        ret: number;
        message: string;
        output?: { task_id: string };
      };
    };
    try {
      const now = Date.now();
      const scheduled = await call({
        interface: 'Live_Tape_Start',
        'Param.s.channel_id': 'leg1',
        'Param.n.task_sub_type': '0',
        'Param.s.start_time': formatCst(now + 3600_000),
        'Param.s.end_time': formatCst(now + 7200_000),
        'Param.s.file_format': 'mp4',
      });
      expect(scheduled.ret).toBe(0);
      const id = scheduled.output!.task_id;
      const task = await apiCall<TaskJson & { formats: string[]; origin: string }>(
        t,
        `/api/v1/record-tasks/${id}`,
      );
      expect(task.body).toMatchObject({ state: 'scheduled', formats: ['mp4'], origin: 'legacy' });

      // Real time: starts now, at most 30 minutes even when asked for longer.
      const realTime = await call({
        interface: 'Live_Tape_Start',
        'Param.s.channel_id': 'leg1',
        'Param.n.task_sub_type': '1',
        'Param.s.end_time': formatCst(now + 5 * 3600_000),
      });
      expect(realTime.ret).toBe(0);
      const rt = await apiCall<{ endTime: string; formats: string[] }>(
        t,
        `/api/v1/record-tasks/${realTime.output!.task_id}`,
      );
      expect(Date.parse(rt.body.endTime) - now).toBeLessThanOrEqual(30 * 60_000 + 5000);
      expect(rt.body.formats).toEqual(['flv']);

      const stopped = await call({
        interface: 'Live_Tape_Stop',
        'Param.s.channel_id': 'leg1',
        'Param.n.task_id': id,
      });
      expect(stopped.ret).toBe(0);
      expect((await apiCall<TaskJson>(t, `/api/v1/record-tasks/${id}`)).body.state).toBe('stopped');
      const bad = await call({
        interface: 'Live_Tape_Start',
        'Param.s.channel_id': 'leg1',
        'Param.n.task_sub_type': '0',
        'Param.s.end_time': 'soon',
      });
      expect(bad.ret).toBe(1204);
      expect(bad.message).toContain('Param.s.end_time');
      const unknown = await call({
        interface: 'Live_Tape_Stop',
        'Param.s.channel_id': 'leg1',
        'Param.s.task_id': '99',
      });
      expect(unknown.ret).toBe(1204);
    } finally {
      await t.close();
    }
  });
});
