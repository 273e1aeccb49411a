/**
 * Stream management (spec §3.4): DescribeLiveStreamOnlineList, DescribeLiveStreamState, DropLiveStream.
 * They see the streams pushed to this node.
 */
import type { StreamHub } from '../live/hub.js';
import type { LiveStream } from '../live/live-stream.js';
import { DEFAULT_BAN_MS, MAX_BAN_MS, type StreamBanList } from '../tasks/stream-bans.js';
import { type PushDomain, readDomain } from './domain.js';
import type { Api3Action } from './endpoint.js';
import { readStreamAddress } from './record-task-actions.js';

export interface StreamActionDeps {
  readonly hub: StreamHub;
  readonly domain: PushDomain;
  readonly bans: StreamBanList;
}

/** ISO 8601 UTC without milliseconds, as the reference writes PublishTime. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export function streamActions(deps: StreamActionDeps): Array<[string, Api3Action]> {
  return [
    [
      'DescribeLiveStreamOnlineList',
      async (params) => {
        readDomain(params, deps.domain, true);
        const app = params.optionalString('AppName', 256) || undefined;
        const stream = params.optionalString('StreamName', 256) || undefined;
        const pageNum = params.optionalInt('PageNum', { min: 1, max: 1_000_000 }) ?? 1;
        const pageSize = params.optionalInt('PageSize', { min: 1, max: 300_000 }) ?? 10;
        const live = deps.hub
          .list()
          .filter(
            (s) =>
              (app === undefined || s.publisher.app === app) &&
              (stream === undefined || s.publisher.stream === stream),
          )
          .sort((a, b) => a.publisher.startedAt - b.publisher.startedAt);
        const page = live.slice((pageNum - 1) * pageSize, pageNum * pageSize);
        return {
          TotalNum: live.length,
          TotalPage: Math.ceil(live.length / pageSize),
          PageNum: pageNum,
          PageSize: pageSize,
          OnlineInfo: page.map((s: LiveStream) => ({
            StreamName: s.publisher.stream,
            AppName: s.publisher.app,
            DomainName: deps.domain.shown,
            PublishTimeList: [{ PublishTime: isoSeconds(s.publisher.startedAt) }],
            PushToDelay: 0,
          })),
        };
      },
    ],
    [
      'DescribeLiveStreamState',
      async (params) => {
        const { app, stream } = readStreamAddress(params);
        readDomain(params, deps.domain);
        if (deps.bans.banOf(stream)) return { StreamState: 'forbid' };
        return { StreamState: deps.hub.get(app, stream) ? 'active' : 'inactive' };
      },
    ],
    [
      'DropLiveStream',
      async (params) => {
        const { app, stream } = readStreamAddress(params);
        readDomain(params, deps.domain);
        // Succeeds whether or not the stream is live, as the reference does.
        deps.hub.get(app, stream)?.kick('dropped through the API (DropLiveStream)');
        return {};
      },
    ],
    [
      'ForbidLiveStream',
      async (params) => {
        const { app, stream } = readStreamAddress(params);
        readDomain(params, deps.domain);
        const now = Date.now();
        const resumeText = params.optionalString('ResumeTime', 64);
        const resumeAt =
          resumeText === undefined || resumeText === '' ? now + DEFAULT_BAN_MS : Date.parse(resumeText);
        if (Number.isNaN(resumeAt) || !/^\d{4}-\d\d-\d\dT/.test(resumeText ?? '2000-01-01T')) {
          throw params.invalid('ResumeTime', 'must be an ISO 8601 UTC time such as 2018-06-29T19:00:00Z');
        }
        if (resumeAt <= now) throw params.invalid('ResumeTime', 'must be in the future');
        if (resumeAt > now + MAX_BAN_MS)
          throw params.invalid('ResumeTime', 'must be at most 90 days from now');
        const reason = params.optionalString('Reason', 2048) ?? '';
        await deps.bans.forbid({ app, stream, reason, resumeAt });
        deps.hub.get(app, stream)?.kick(`forbidden through the API${reason === '' ? '' : `: ${reason}`}`);
        return {};
      },
    ],
    [
      'ResumeLiveStream',
      async (params) => {
        const { stream } = readStreamAddress(params);
        readDomain(params, deps.domain);
        await deps.bans.resume(stream);
        return {};
      },
    ],
  ];
}
