/**
 * Snapshot templates and rules (spec §3.7): Create/Describe/Modify/DeleteLiveSnapshotTemplate(s),
 * Create/Describe/DeleteLiveSnapshotRule(s), on LiveTape's snapshot rule book. A template's interval,
 * width and height take effect; its COS fields are required as the reference requires them, kept and
 * answered, but pictures are stored where STORAGE says.
 */
import type { SnapshotTemplate } from '../catalog/snapshot-rules.js';
import type { SnapshotRuleBook, SnapshotTemplateInput } from '../snapshot/snapshot-rules.js';
import { formatCst } from '../vod/tencent/cst-time.js';
import { type PushDomain, readDomain } from './domain.js';
import type { Api3Action } from './endpoint.js';
import type { Params } from './params.js';
import { answering, changing, TEMPLATE_NAME, templateNamedBy } from './template-actions.js';

export interface SnapshotActionDeps {
  readonly snapshotRules: SnapshotRuleBook;
  readonly domain: PushDomain;
}

/** The reference's defaults and ranges (spec §3.7). */
const DEFAULT_INTERVAL_SEC = 10;
const INTERVAL = { min: 2, max: 300 } as const;
const WIDTH = { min: 0, max: 3000 } as const;
const HEIGHT = { min: 0, max: 2000 } as const;
const DEFAULT_COS_PREFIX = '/{Year}-{Month}-{Day}';
const DEFAULT_COS_FILE_NAME = '{StreamID}-screenshot-{Hour}-{Minute}-{Second}-{Width}x{Height}{Ext}';

/** The fields a call sets; with `old` (Modify) every field is optional and the rest is kept. */
function readTemplate(params: Params, old?: SnapshotTemplate): SnapshotTemplateInput {
  const text = (name: string, max: number) =>
    old === undefined ? params.string(name, max) : params.optionalString(name, max);
  const name = text('TemplateName', 255);
  if (name !== undefined && !TEMPLATE_NAME.test(name)) {
    throw params.invalid('TemplateName', 'may hold letters, digits, _ and - only');
  }
  const appId =
    old === undefined ? params.int('CosAppId', { min: 0 }) : params.optionalInt('CosAppId', { min: 0 });
  const bucket = text('CosBucket', 255);
  const region = text('CosRegion', 64);
  const description = params.optionalString('Description', 1024);
  const intervalSec = params.optionalInt('SnapshotInterval', INTERVAL);
  const width = params.optionalInt('Width', WIDTH);
  const height = params.optionalInt('Height', HEIGHT);
  const pornFlag = params.optionalInt('PornFlag', { min: 0, max: 1 });
  const prefix = params.optionalString('CosPrefix', 1024);
  const fileName = params.optionalString('CosFileName', 1024);
  return {
    name: name ?? old!.name,
    description: description ?? old?.description ?? '',
    intervalSec: intervalSec ?? old?.intervalSec ?? DEFAULT_INTERVAL_SEC,
    width: width ?? old?.width ?? 0,
    height: height ?? old?.height ?? 0,
    pornFlag: pornFlag ?? old?.pornFlag ?? 0,
    cos: {
      appId: appId ?? old!.cos.appId,
      bucket: bucket ?? old!.cos.bucket,
      region: region ?? old!.cos.region,
      prefix: prefix || old?.cos.prefix || DEFAULT_COS_PREFIX,
      fileName: fileName || old?.cos.fileName || DEFAULT_COS_FILE_NAME,
    },
  };
}

function templateInfo(t: SnapshotTemplate) {
  return {
    TemplateId: t.id,
    TemplateName: t.name,
    SnapshotInterval: t.intervalSec,
    Width: t.width,
    Height: t.height,
    PornFlag: t.pornFlag,
    CosAppId: t.cos.appId,
    CosBucket: t.cos.bucket,
    CosRegion: t.cos.region,
    Description: t.description,
    CosPrefix: t.cos.prefix,
    CosFileName: t.cos.fileName,
  };
}

export function snapshotActions(deps: SnapshotActionDeps): Array<[string, Api3Action]> {
  const book = deps.snapshotRules;
  const existing = templateNamedBy((id) => book.template(id));
  /** DomainName (lower-cased, as stored), AppName and StreamName of a rule; absent names are ''. */
  const ruleTarget = (params: Params) => ({
    domain: (readDomain(params, deps.domain) ?? '').toLowerCase(),
    app: params.optionalString('AppName', 256) ?? '',
    stream: params.optionalString('StreamName', 256) ?? '',
  });
  return [
    [
      'CreateLiveSnapshotTemplate',
      async (params) => {
        const input = readTemplate(params);
        return answering(async () => ({ TemplateId: (await book.createTemplate(input)).id }));
      },
    ],
    ['DescribeLiveSnapshotTemplates', async () => ({ Templates: book.templates().map(templateInfo) })],
    ['DescribeLiveSnapshotTemplate', async (params) => ({ Template: templateInfo(existing(params)) })],
    [
      'ModifyLiveSnapshotTemplate',
      async (params) => {
        const old = existing(params);
        const input = readTemplate(params, old);
        return changing(() => book.updateTemplate(old.id, input));
      },
    ],
    [
      'DeleteLiveSnapshotTemplate',
      async (params) => {
        const old = existing(params);
        return changing(() => book.deleteTemplate(old.id));
      },
    ],
    [
      'CreateLiveSnapshotRule',
      async (params) => {
        const target = ruleTarget(params);
        const templateId = params.int('TemplateId', { min: 0 });
        return changing(() => book.createRule({ ...target, templateId }));
      },
    ],
    [
      'DescribeLiveSnapshotRules',
      async () => ({
        Rules: book.rules().map((rule) => ({
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
      'DeleteLiveSnapshotRule',
      async (params) => {
        const target = ruleTarget(params);
        return changing(() => book.deleteRule(target));
      },
    ],
  ];
}
