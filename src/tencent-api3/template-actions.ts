/**
 * Recording templates and rules (spec §3.5–3.6): Create/Describe/Modify/DeleteLiveRecordTemplate(s),
 * Create/Describe/DeleteLiveRecordRule(s), on LiveTape's rule book. MP3 has no LiveTape format: its
 * parameters are accepted and answered disabled.
 */
import type { RecordFormat } from '../record/plan.js';
import { fileNameTemplateProblem, MAX_FILE_NAME_TEMPLATE_BYTES } from '../storage/layout.js';
import {
  type FormatParams,
  type RecordRuleBook,
  type RecordTemplate,
  RuleBookError,
  type TemplateInput,
} from '../tasks/record-rules.js';
import { formatCst } from '../vod/tencent/cst-time.js';
import { Api3Error } from './api3-error.js';
import { type PushDomain, readDomain } from './domain.js';
import type { Api3Action } from './endpoint.js';
import type { Params } from './params.js';

export interface TemplateActionDeps {
  readonly rules: RecordRuleBook;
  readonly domain: PushDomain;
}

const PARAM_FIELDS: ReadonlyArray<readonly [string, RecordFormat | undefined]> = [
  ['FlvParam', 'flv'],
  ['HlsParam', 'hls'],
  ['Mp4Param', 'mp4'],
  ['AacParam', 'aac'],
  ['Mp3Param', undefined],
];
const DEFAULT_INTERVAL_SEC = 1800;
/** Letters (CJK too), digits, `_` and `-`, as the reference allows in template names. */
export const TEMPLATE_NAME = /^[\p{L}\p{N}_-]{1,255}$/u;

function readFormat(params: Params, field: string): FormatParams | undefined {
  const p = params.optionalObject(field);
  if (!p) return undefined;
  const fileName = p.optionalString('VodFileName', MAX_FILE_NAME_TEMPLATE_BYTES * 4) ?? '';
  const problem = fileName === '' ? undefined : fileNameTemplateProblem(fileName);
  if (problem !== undefined) {
    throw new Api3Error('InvalidParameter.InvalidVodFileName', `${field}.VodFileName ${problem}.`);
  }
  return {
    enabled: (p.optionalInt('Enable', { min: 0, max: 1 }) ?? 0) === 1,
    // The union of the CN and intl ranges (spec §6).
    intervalSec: p.optionalInt('RecordInterval', { min: 30, max: 43200 }) ?? DEFAULT_INTERVAL_SEC,
    storageTimeSec: p.optionalInt('StorageTime', { min: 0, max: 129_600_000 }) ?? 0,
    fileName,
  };
}

function readTemplate(params: Params, old?: RecordTemplate): Partial<TemplateInput> {
  const name = params.optionalString('TemplateName', 255);
  if (name !== undefined && !TEMPLATE_NAME.test(name)) {
    throw params.invalid('TemplateName', 'may hold letters, digits, _ and - only');
  }
  const formats: Partial<Record<RecordFormat, FormatParams>> = { ...old?.formats };
  for (const [field, format] of PARAM_FIELDS) {
    const value = readFormat(params, field);
    if (value && format) formats[format] = value;
  }
  const continueSec = params
    .optionalObject('HlsSpecialParam')
    ?.optionalInt('FlowContinueDuration', { min: 0, max: 1800 });
  params.optionalInt('IsDelayLive', { min: 0, max: 1 });
  return {
    ...(name === undefined ? {} : { name }),
    ...(params.has('Description') ? { description: params.optionalString('Description', 1024) ?? '' } : {}),
    formats,
    ...(continueSec === undefined ? {} : { hlsContinueSec: continueSec }),
  };
}

function recordParam(params: FormatParams | undefined) {
  return {
    Enable: params?.enabled ? 1 : 0,
    RecordInterval: params?.intervalSec ?? DEFAULT_INTERVAL_SEC,
    StorageTime: params?.storageTimeSec ?? 0,
    VodSubAppId: 0,
    VodFileName: params?.fileName ?? '',
  };
}

export function templateInfo(t: RecordTemplate) {
  return {
    TemplateId: t.id,
    TemplateName: t.name,
    Description: t.description,
    FlvParam: recordParam(t.formats.flv),
    HlsParam: recordParam(t.formats.hls),
    Mp4Param: recordParam(t.formats.mp4),
    AacParam: recordParam(t.formats.aac),
    Mp3Param: recordParam(undefined),
    IsDelayLive: 0,
    HlsSpecialParam: { FlowContinueDuration: t.hlsContinueSec },
    RemoveWatermark: false,
    CosStore: 0,
    FlvSpecialParam: { UploadInRecording: false },
  };
}

/** A rule-book refusal as the reference's error code (spec §2.4). */
function mapRuleBookError(error: unknown): never {
  if (!(error instanceof RuleBookError)) throw error;
  const code = {
    template_not_found: 'InvalidParameter.ConfNotFound',
    rule_not_found: 'FailedOperation.NotFound',
    template_in_use: 'FailedOperation.ConfInUsed',
    rule_exists: 'FailedOperation.RuleAlreadyExist',
    limit: 'InternalError.ConfOutLimit',
  }[error.kind];
  throw new Api3Error(code, error.message);
}

/** Runs a rule-book call, answering its refusals with the reference's codes. */
export async function answering<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    return mapRuleBookError(error);
  }
}

/** A rule-book change whose answer is empty. */
export function changing(change: () => Promise<unknown>): Promise<Record<string, never>> {
  return answering(async () => {
    await change();
    return {};
  });
}

/** The template a call's `TemplateId` names, or the reference's ConfNotFound. */
export function templateNamedBy<T>(find: (id: number) => T | undefined): (params: Params) => T {
  return (params) => {
    const id = params.int('TemplateId', { min: 0 });
    const template = find(id);
    if (!template) throw new Api3Error('InternalError.ConfNotFound', `The template ${id} does not exist.`);
    return template;
  };
}

export function templateActions(deps: TemplateActionDeps): Array<[string, Api3Action]> {
  const { rules } = deps;
  const existing = templateNamedBy((id) => rules.template(id));
  return [
    [
      'CreateLiveRecordTemplate',
      async (params) => {
        params.string('TemplateName', 255);
        const input = readTemplate(params);
        return answering(async () => {
          const template = await rules.createTemplate({
            name: input.name!,
            description: input.description ?? '',
            formats: input.formats ?? {},
            hlsContinueSec: input.hlsContinueSec ?? 0,
          });
          return { TemplateId: template.id };
        });
      },
    ],
    ['DescribeLiveRecordTemplates', async () => ({ Templates: rules.templates().map(templateInfo) })],
    ['DescribeLiveRecordTemplate', async (params) => ({ Template: templateInfo(existing(params)) })],
    [
      'ModifyLiveRecordTemplate',
      async (params) => {
        const old = existing(params);
        return changing(() => rules.updateTemplate(old.id, readTemplate(params, old)));
      },
    ],
    [
      'DeleteLiveRecordTemplate',
      async (params) => {
        const old = existing(params);
        return changing(() => rules.deleteTemplate(old.id));
      },
    ],
    [
      'CreateLiveRecordRule',
      async (params) => {
        const domain = readDomain(params, deps.domain) ?? '';
        const templateId = params.int('TemplateId', { min: 0 });
        const app = params.optionalString('AppName', 256) ?? '';
        const stream = params.optionalString('StreamName', 256) ?? '';
        return changing(() => rules.createRule({ domain, app, stream, prefix: false, templateId }));
      },
    ],
    [
      'DescribeLiveRecordRules',
      async () => ({
        Rules: rules
          .rules()
          .filter((rule) => !rule.prefix)
          .map((rule) => ({
            CreateTime: formatCst(rule.createdAt),
            UpdateTime: formatCst(rule.updatedAt),
            TemplateId: rule.templateId,
            DomainName: rule.domain === '' ? deps.domain.shown : rule.domain,
            AppName: rule.app,
            StreamName: rule.stream,
          })),
      }),
    ],
    [
      'DeleteLiveRecordRule',
      async (params) => {
        const domain = readDomain(params, deps.domain) ?? '';
        const app = params.optionalString('AppName', 256) ?? '';
        const stream = params.optionalString('StreamName', 256) ?? '';
        return changing(() =>
          rules.deleteRules(
            (r) =>
              !r.prefix && r.app === app && r.stream === stream && (r.domain === domain || r.domain === ''),
          ),
        );
      },
    ],
  ];
}
