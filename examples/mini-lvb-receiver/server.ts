/**
 * A small Mini LVB-style backend (no framework): `POST /tape_callback` receives LiveTape's (or
 * Tencent's) event callbacks and `GET|POST /get_vod_list` lists the replays built from them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parseCallback } from './callback.js';
import { type ReplayRow, ReplayStore } from './replay-store.js';

export interface ReceiverOptions {
  /** The callback key (LiveTape's CALLBACK_KEY, or its API_KEY). */
  readonly key: string;
  readonly store?: ReplayStore;
  /** UNIX seconds; tests move the clock. */
  readonly nowSec?: () => number;
}

/** Bodies beyond this are refused: a callback is a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

export function createReceiver(options: ReceiverOptions): Server {
  const store = options.store ?? new ReplayStore();
  const nowSec = options.nowSec ?? (() => Math.floor(Date.now() / 1000));
  return createServer((req, res) => {
    readBody(req).then(
      (body) => route(req, res, body),
      () => reply(res, 413, { code: 4002, message: 'body too large' }),
    );
  });

  function route(req: IncomingMessage, res: ServerResponse, body: string): void {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    if (req.method === 'POST' && path === '/tape_callback') onCallback(res, body);
    else if ((req.method === 'GET' || req.method === 'POST') && path === '/get_vod_list')
      onVodList(req, res, body);
    else reply(res, 404, { code: 404, message: 'not found' });
  }

  function onCallback(res: ServerResponse, body: string): void {
    const parsed = parseCallback(body, options.key, nowSec());
    // A refused callback answers non-200, so LiveTape retries it and, in the end, shows it as dead.
    if (parsed.kind === 'rejected') {
      reply(res, 400, { code: parsed.code, message: parsed.message });
      return;
    }
    if (parsed.kind === 'file') store.add(parsed.file);
    reply(res, 200, { code: 0 });
  }

  function onVodList(req: IncomingMessage, res: ServerResponse, body: string): void {
    const query = new URL(req.url ?? '/', 'http://receiver').searchParams;
    let params: { index?: unknown; count?: unknown } = {};
    try {
      params = req.method === 'POST' && body !== '' ? (JSON.parse(body) as typeof params) : {};
    } catch {
      reply(res, 400, { code: 602, message: 'invalid param' });
      return;
    }
    const index = Number(params.index ?? query.get('index') ?? 1);
    const count = Number(params.count ?? query.get('count') ?? 10);
    const list = store.list(nowSec(), { index, count }).map(vodItem);
    reply(res, 200, { code: 200, message: 'OK', data: { list } });
  }
}

/** The reference's list item; room metadata (title, cover…) would come from its `tb_room`. */
function vodItem(row: ReplayRow) {
  return {
    userid: row.userid,
    nickname: '',
    avatar: '',
    file_id: row.fileId,
    title: '',
    likecount: 0,
    viewercount: 0,
    frontcover: '',
    location: '',
    play_url: row.playUrl,
    create_time: row.createTime,
    hls_play_url: row.hlsPlayUrl,
    start_time: row.startTime,
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  // The reference sets Content-Length explicitly; some callers do not accept chunked answers.
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the client still gets its answer.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      size <= MAX_BODY_BYTES
        ? resolve(Buffer.concat(chunks).toString('utf8'))
        : reject(new Error('body too large')),
    );
    req.on('error', reject);
  });
}
