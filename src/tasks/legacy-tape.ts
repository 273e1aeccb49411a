/**
 * The legacy `common_access` interfaces `Live_Tape_Start` and `Live_Tape_Stop` (spec
 * tencent-cloud-api3.md §5), mapped onto record tasks. Times are China Standard Time text. A real-time
 * task (`task_sub_type=1`) starts now and lasts at most 30 minutes; a scheduled one (0) takes its window
 * from `start_time`/`end_time`. `output.task_id` is a string: the 19-digit id does not survive a JSON
 * number in JavaScript clients.
 */
import { parseFormats, RecordPlanError } from '../record/plan.js';
import { BadNameError, validateName } from '../rtmp/publish-request.js';
import { parseCst } from '../vod/tencent/cst-time.js';
import { type CommonAccessBody, failure, RET, success } from '../vod/tencent/envelope.js';
import { type RecordTaskService, TaskRequestError } from './task-service.js';

const REAL_TIME_MAX_MS = 30 * 60 * 1000;
const LEGACY_FORMATS = ['flv', 'hls', 'mp4', 'aac'];

function invalid(message: string): CommonAccessBody {
  return failure(RET.invalidParam, `invalid input param: ${message}`);
}

export async function tapeStart(tasks: RecordTaskService, query: URLSearchParams): Promise<CommonAccessBody> {
  const stream = query.get('Param.s.channel_id') ?? '';
  const app = query.get('Param.s.path') || 'live';
  try {
    validateName('stream', stream);
    validateName('app', app);
  } catch (error) {
    if (error instanceof BadNameError) return invalid(`Param.s.channel_id / Param.s.path: ${error.message}`);
    throw error;
  }
  const subType = query.get('Param.n.task_sub_type');
  if (subType !== '0' && subType !== '1') return invalid('Param.n.task_sub_type must be 0 or 1');
  const format = (query.get('Param.s.file_format') || 'flv').toLowerCase();
  if (!LEGACY_FORMATS.includes(format)) return invalid('Param.s.file_format must be flv, hls, mp4 or aac');
  const recordType = query.get('Param.s.record_type') || 'video';
  if (recordType !== 'video' && recordType !== 'audio')
    return invalid('Param.s.record_type must be video or audio');
  const end = parseCst(query.get('Param.s.end_time') ?? '');
  if (end === undefined) return invalid('Param.s.end_time must be YYYY-MM-DD HH:MM:SS (UTC+8)');
  const now = Date.now();
  let startTime: number | undefined;
  let endTime = end;
  if (subType === '1') {
    endTime = Math.min(end, now + REAL_TIME_MAX_MS);
  } else {
    startTime = parseCst(query.get('Param.s.start_time') ?? '');
    if (startTime === undefined) return invalid('Param.s.start_time must be YYYY-MM-DD HH:MM:SS (UTC+8)');
  }
  try {
    // Audio-only recording is what LiveTape's AAC format is.
    const formats = recordType === 'audio' ? parseFormats('aac') : parseFormats(format);
    const task = await tasks.create({ app, stream, startTime, endTime, formats }, 'legacy');
    return success({ task_id: task.id });
  } catch (error) {
    if (error instanceof TaskRequestError) {
      return invalid(
        `${error.field === 'startTime' ? 'Param.s.start_time' : 'Param.s.end_time'} ${error.message}`,
      );
    }
    if (error instanceof RecordPlanError) return invalid(error.message);
    throw error;
  }
}

export async function tapeStop(tasks: RecordTaskService, query: URLSearchParams): Promise<CommonAccessBody> {
  const stream = query.get('Param.s.channel_id') ?? '';
  if (stream === '') return invalid('Param.s.channel_id is required');
  // The table says Param.s.task_id, the reference's own example Param.n.task_id.
  const id = query.get('Param.s.task_id') ?? query.get('Param.n.task_id') ?? '';
  if (!/^\d{1,20}$/.test(id)) return invalid('Param.s.task_id is required');
  const task = await tasks.get(id);
  if (task === undefined || task.stream !== stream)
    return invalid(`no record task ${id} for this channel_id`);
  await tasks.stop(id);
  return success(undefined);
}
