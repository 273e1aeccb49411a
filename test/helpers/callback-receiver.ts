/**
 * A real HTTP receiver of LiveTape's event callbacks for tests, and the checks a Tencent-era receiver
 * would make: every field of spec §3.3/3.4 present with its JSON type, `sign = md5(key + t)` with t
 * not expired, and our `X-LiveTape-Signature` HMAC over the raw body.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { waitFor } from './process.js';

export interface ReceivedCallback {
  /** ms since the epoch when the request was complete. */
  readonly at: number;
  readonly eventId: string;
  readonly attempt: number;
  readonly headers: IncomingHttpHeaders;
  readonly raw: string;
  readonly body: Record<string, unknown>;
  /** The status this receiver answered. */
  readonly answered: number;
}

export interface Answer {
  readonly status: number;
  readonly body?: string;
  /** Extra response headers (a redirect's `location`). */
  readonly headers?: Record<string, string>;
  /** Answer only after this many ms, like a receiver doing real work. */
  readonly delayMs?: number;
}

export interface CallbackReceiver {
  readonly url: string;
  /** Every request, answered however. */
  readonly received: ReceivedCallback[];
  /** Requests answered 200: what the receiver took. */
  readonly accepted: ReceivedCallback[];
  /** Decides each answer; default 200 `{"code":0}`. */
  answer: (callback: Omit<ReceivedCallback, 'answered'>) => Answer;
  waitForAccepted(count: number, timeoutMs?: number): Promise<ReceivedCallback[]>;
  close(): Promise<void>;
}

export const ACK: Answer = { status: 200, body: '{"code":0}' };

/** Listens on `port` (0: any) of the loopback interface. */
export async function startCallbackReceiver(port = 0): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const accepted: ReceivedCallback[] = [];
  const receiver: Omit<CallbackReceiver, 'url' | 'close'> & { answer: CallbackReceiver['answer'] } = {
    received,
    accepted,
    answer: () => ACK,
    waitForAccepted: (count, timeoutMs = 20_000) =>
      waitFor(
        () => (accepted.length >= count ? accepted : undefined),
        timeoutMs,
        `${count} accepted callbacks`,
      ),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {}
      const request = {
        at: Date.now(),
        eventId: String(req.headers['x-livetape-event-id']),
        attempt: Number(req.headers['x-livetape-attempt']),
        headers: req.headers,
        raw,
        body,
      };
      const answer = receiver.answer(request);
      const callback = { ...request, answered: answer.status };
      received.push(callback);
      if (answer.status === 200) accepted.push(callback);
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${address.port}/callback`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}

type WireType = 'int' | 'string';

const COMMON: Record<string, WireType> = {
  t: 'int',
  sign: 'string',
  event_type: 'int',
  stream_id: 'string',
  channel_id: 'string',
  appid: 'int',
  app: 'string',
  appname: 'string',
  event_time: 'int',
  sequence: 'string',
  node: 'string',
  user_ip: 'string',
  stream_param: 'string',
};

/** Field → JSON type, per event type, from the wire spec (§3.3, §3.4) plus our documented extras. */
export const CALLBACK_FIELDS: Record<number, Record<string, WireType>> = {
  1: COMMON,
  0: { ...COMMON, errcode: 'int', errmsg: 'string', push_duration: 'string', reason: 'string' },
  // A record task's file differs: see expectedFields.
  100: {
    ...COMMON,
    video_id: 'string',
    video_url: 'string',
    file_id: 'string',
    record_file_id: 'string',
    file_format: 'string',
    file_size: 'int',
    start_time: 'int',
    end_time: 'int',
    start_time_usec: 'int',
    end_time_usec: 'int',
    duration: 'int',
    media_start_time: 'int',
    callback_ext: 'string',
    reason: 'string',
    broadcast_id: 'string',
    duration_ms: 'int',
    start_time_ms: 'int',
  },
  // Recording status (spec tencent-cloud-api3.md §4.2): its own field set, no stream_param.
  332: {
    t: 'int',
    sign: 'string',
    event_type: 'int',
    appid: 'int',
    appname: 'string',
    domain: 'string',
    stream_id: 'string',
    event_time: 'int',
    record_event: 'string',
    session_id: 'string',
    seq: 'string',
    record_detail: 'string',
  },
  // Event 200 as the API 3.0 spec §4.3 lists it (no sequence, node or user_ip).
  200: {
    t: 'int',
    sign: 'string',
    event_type: 'int',
    stream_id: 'string',
    channel_id: 'string',
    appid: 'int',
    app: 'string',
    appname: 'string',
    event_time: 'int',
    stream_param: 'string',
    create_time: 'int',
    file_size: 'int',
    width: 'int',
    height: 'int',
    pic_url: 'string',
    pic_full_url: 'string',
  },
};

/**
 * What is wrong with one callback, as a list (empty = nothing): unknown event type, a missing or
 * mistyped field, a bad `sign`, an expired `t`, a bad HMAC header, a wrong Content-Type.
 */
export function callbackProblems(callback: ReceivedCallback, key: string, nowMs = Date.now()): string[] {
  const { body } = callback;
  const fields = expectedFields(body);
  if (fields === undefined) return [`unknown event_type ${String(body.event_type)}`];
  const problems: string[] = [];
  for (const [field, type] of Object.entries(fields)) {
    const value = body[field];
    const ok = type === 'int' ? Number.isInteger(value) : typeof value === 'string';
    if (!ok) problems.push(`${field} should be ${type}, is ${JSON.stringify(value)}`);
  }
  if (body.event_type === 100 && 'task_id' in body && 'stream_param' in body)
    problems.push('stream_param should be absent from a record task file');
  const t = body.t as number;
  // The reference's receiver logic: sign = md5(key + t), reject once now > t.
  if (body.sign !== createHash('md5').update(`${key}${t}`).digest('hex')) problems.push('sign mismatch');
  if (nowMs / 1000 > t) problems.push('t expired');
  if (Math.abs(t - (callback.at / 1000 + 600)) > 5) problems.push(`t ${t} is not attempt time + 600`);
  const hmac = `sha256=${createHmac('sha256', key).update(callback.raw).digest('hex')}`;
  if (callback.headers['x-livetape-signature'] !== hmac) problems.push('X-LiveTape-Signature mismatch');
  if (callback.headers['content-type'] !== 'application/json')
    problems.push('Content-Type is not application/json');
  return problems;
}

/**
 * The fields one callback must have. Event 100 of a record task's file (spec tencent-cloud-api3.md §4.1)
 * carries `task_id` and no `stream_param`; every other file the reverse.
 */
export function expectedFields(body: Record<string, unknown>): Record<string, WireType> | undefined {
  const fields = CALLBACK_FIELDS[body.event_type as number];
  if (body.event_type !== 100 || !('task_id' in body) || fields === undefined) return fields;
  const { stream_param: _, ...rest } = fields;
  return { ...rest, task_id: 'string' };
}
