/**
 * The Tencent-compatible query API, `GET /common_access?appid=…&interface=…&t=…&sign=…&Param.…` (spec
 * §4), so an app backend written for the reference service lists and checks streams unchanged:
 * - `Live_Tape_GetFilelist` — a stream's finished files, numbered pages, optional same-day time window;
 * - `Live_Channel_GetStatus` — whether a stream is live (20601 when it was never pushed);
 * - `Live_Tape_Start` / `Live_Tape_Stop` — record tasks (see tasks/legacy-tape.ts).
 * Front-end refusals (`appid is invalid`, `cmd is invalid`, `sign invalid`, `time expired`) are HTTP 403;
 * everything else is HTTP 200 with `ret` saying how it went. An empty file list is ret 10003
 * `query data is empty`, as the reference documents, with an empty `output` for clients that ignore ret.
 */
import type { FastifyInstance } from 'fastify';
import { tapeStart, tapeStop } from '../tasks/legacy-tape.js';
import type { RecordTaskService } from '../tasks/task-service.js';
import { queryOf } from '../vod/play-guard.js';
import type { PlaybackContext } from '../vod/playback-context.js';
import { type CommonAccessBody, FRONT_END_RET, failure, RET, success } from '../vod/tencent/envelope.js';
import { fileListEntry, parseFileListParams } from '../vod/tencent/file-list.js';
import { checkRequestAuth } from '../vod/tencent/request-auth.js';

/** `rate_type` 0 is the original bitrate; `recv_type` 3 is "rtmp/flv + hls", which LiveTape serves. */
const ORIGINAL_RATE = 0;
const FLV_AND_HLS = 3;

export function registerTencentRoutes(
  app: FastifyInstance,
  ctx: PlaybackContext,
  tasks: RecordTaskService,
): void {
  app.get('/common_access', async (request, reply) => {
    const query = queryOf(request.url);
    const refused = checkRequestAuth(query, ctx.tencent, Math.floor(Date.now() / 1000));
    if (refused) return reply.code(403).send(failure(FRONT_END_RET, refused));
    try {
      const name = query.get('interface');
      if (name === 'Live_Tape_GetFilelist') return await fileList(ctx, query);
      if (name === 'Live_Channel_GetStatus') return await channelStatus(ctx, query);
      if (name === 'Live_Tape_Start') return await tapeStart(tasks, query);
      if (name === 'Live_Tape_Stop') return await tapeStop(tasks, query);
      return failure(
        RET.invalidParam,
        `invalid input param: interface ${JSON.stringify(name ?? '')} is not supported`,
      );
    } catch (error) {
      request.log.error({ err: error }, 'common_access query failed');
      return failure(RET.internalError, 'internel/system error');
    }
  });
}

async function fileList(ctx: PlaybackContext, query: URLSearchParams): Promise<CommonAccessBody> {
  const parsed = parseFileListParams(query);
  if (!parsed.ok) return failure(RET.invalidParam, parsed.message);
  const { channelId, pageNo, pageSize, order, from, to } = parsed.params;
  const page = await ctx.catalog.vodFiles.fileList({
    stream: channelId,
    from,
    to,
    order,
    offset: (pageNo - 1) * pageSize,
    limit: pageSize,
  });
  const entryContext = {
    appid: ctx.tencent.appid,
    retentionDays: ctx.tencent.retentionDays,
    url: ctx.fileUrl,
  };
  const output = {
    all_count: page.total,
    file_list: page.rows.map((row) => fileListEntry(row, entryContext)),
  };
  return page.total === 0 ? failure(RET.queryDataEmpty, 'query data is empty', output) : success(output);
}

async function channelStatus(ctx: PlaybackContext, query: URLSearchParams): Promise<CommonAccessBody> {
  const channelId = query.get('Param.s.channel_id');
  if (!channelId) return failure(RET.invalidParam, 'invalid input param: Param.s.channel_id is required');
  const live = ctx.hub.list().some((stream) => stream.publisher.stream === channelId);
  if (!live && !(await ctx.catalog.vodFiles.everPushed(channelId))) {
    return failure(RET.neverPushed, 'the stream has never been pushed');
  }
  return success([{ rate_type: ORIGINAL_RATE, recv_type: FLV_AND_HLS, status: live ? 1 : 0 }]);
}
