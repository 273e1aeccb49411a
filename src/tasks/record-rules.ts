/**
 * Recording templates and rules, generalizing the one global recording setting (Tencent's
 * Create/DescribeLiveRecordTemplate and …Rule). A template says which formats to record and how; a rule
 * binds streams (an app, and an exact stream name or a name prefix) to a template. A push whose URL asks
 * for nothing is recorded as its most specific rule's template says, else as the global setting says.
 * Small lists the publish path reads synchronously: kept in memory, written through to the catalog
 * settings (shared by every node) and re-read with the other shared settings.
 */
import type { SettingsRepository } from '../catalog/settings.js';
import { RECORD_FORMATS, type RecordFormat } from '../record/plan.js';

export interface FormatParams {
  readonly enabled: boolean;
  /** Seconds per file (FLV, MP4, AAC). */
  readonly intervalSec: number;
  /** Seconds files are kept after they end (0 = forever): per-template retention. */
  readonly storageTimeSec: number;
  /**
   * File-name template (`VodFileName`): `{StreamID}`, `{StartYear}`…`{EndMillisecond}`, see
   * storage/layout.ts. Absent or '' = LiveTape's own naming.
   */
  readonly fileName?: string;
}

export interface RecordTemplate {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly formats: Partial<Record<RecordFormat, FormatParams>>;
  /** HLS continue window after a disconnect, seconds (0–1800). */
  readonly hlsContinueSec: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type TemplateInput = Omit<RecordTemplate, 'id' | 'createdAt' | 'updatedAt'>;

export interface RecordRule {
  readonly id: number;
  /** The push domain named when creating it ('' = none). */
  readonly domain: string;
  /** '' = every app. */
  readonly app: string;
  /** '' = every stream of the app. */
  readonly stream: string;
  /** `stream` is a name prefix rather than an exact name. */
  readonly prefix: boolean;
  readonly templateId: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type RuleInput = Omit<RecordRule, 'id' | 'createdAt' | 'updatedAt'>;

/** What a rule makes of a push's recording defaults. */
export interface RuleDefaults {
  readonly formats: RecordFormat[];
  readonly intervalSec: number;
  readonly hlsResumeWindowSec: number;
  readonly templateId: number;
  readonly fileNameTemplates: Partial<Record<RecordFormat, string>>;
}

export class RuleBookError extends Error {
  override readonly name = 'RuleBookError';
  constructor(
    readonly kind: 'template_not_found' | 'rule_not_found' | 'template_in_use' | 'rule_exists' | 'limit',
    message: string,
  ) {
    super(message);
  }
}

/** As the reference. */
export const MAX_TEMPLATES = 50;
export const MAX_RULES = 1000;
const SETTINGS_KEY = 'record-rules';
const FIRST_ID = 1;

interface Stored {
  readonly templates: RecordTemplate[];
  readonly rules: RecordRule[];
}

export class RecordRuleBook {
  private stored: Stored = { templates: [], rules: [] };
  private writes = 0;

  private constructor(private readonly settings: Pick<SettingsRepository, 'get' | 'set'>) {}

  static async load(settings: Pick<SettingsRepository, 'get' | 'set'>): Promise<RecordRuleBook> {
    const book = new RecordRuleBook(settings);
    await book.refresh();
    return book;
  }

  async refresh(): Promise<void> {
    const writes = this.writes;
    const stored = await this.settings.get<Stored>(SETTINGS_KEY);
    if (writes === this.writes) this.stored = stored ?? { templates: [], rules: [] };
  }

  templates(): readonly RecordTemplate[] {
    return this.stored.templates;
  }

  template(id: number): RecordTemplate | undefined {
    return this.stored.templates.find((t) => t.id === id);
  }

  /** A template's file-name templates of the formats that have one; {} for an unknown template. */
  fileNameTemplatesOf(templateId: number): Partial<Record<RecordFormat, string>> {
    const template = this.template(templateId);
    const named: Partial<Record<RecordFormat, string>> = {};
    for (const format of RECORD_FORMATS) {
      const fileName = template?.formats[format]?.fileName;
      if (fileName) named[format] = fileName;
    }
    return named;
  }

  /** The formats a template records; undefined for an unknown template. */
  formatsOf(templateId: number): RecordFormat[] | undefined {
    const template = this.template(templateId);
    return template && RECORD_FORMATS.filter((f) => template.formats[f]?.enabled);
  }

  rules(): readonly RecordRule[] {
    return this.stored.rules;
  }

  async createTemplate(input: TemplateInput): Promise<RecordTemplate> {
    return this.write((s) => {
      if (s.templates.length >= MAX_TEMPLATES)
        throw new RuleBookError('limit', `at most ${MAX_TEMPLATES} templates`);
      const now = Date.now();
      const template = { ...input, id: nextId(s.templates), createdAt: now, updatedAt: now };
      return [{ ...s, templates: [...s.templates, template] }, template];
    });
  }

  async updateTemplate(id: number, input: Partial<TemplateInput>): Promise<RecordTemplate> {
    return this.write((s) => {
      const old = s.templates.find((t) => t.id === id);
      if (!old) throw new RuleBookError('template_not_found', `no record template ${id}`);
      const template = { ...old, ...input, id, updatedAt: Date.now() };
      return [{ ...s, templates: s.templates.map((t) => (t.id === id ? template : t)) }, template];
    });
  }

  /** Refused while a rule uses it. */
  async deleteTemplate(id: number): Promise<void> {
    await this.write((s) => {
      if (!s.templates.some((t) => t.id === id))
        throw new RuleBookError('template_not_found', `no record template ${id}`);
      if (s.rules.some((r) => r.templateId === id)) {
        throw new RuleBookError('template_in_use', `record template ${id} is used by a rule`);
      }
      return [{ ...s, templates: s.templates.filter((t) => t.id !== id) }, undefined];
    });
  }

  /** One rule per (domain, app, stream, prefix). */
  async createRule(input: RuleInput): Promise<RecordRule> {
    return this.write((s) => {
      if (!s.templates.some((t) => t.id === input.templateId)) {
        throw new RuleBookError('template_not_found', `no record template ${input.templateId}`);
      }
      if (s.rules.some((r) => sameTarget(r, input))) {
        throw new RuleBookError('rule_exists', 'a rule for these streams exists');
      }
      if (s.rules.length >= MAX_RULES) throw new RuleBookError('limit', `at most ${MAX_RULES} rules`);
      const now = Date.now();
      const rule = { ...input, id: nextId(s.rules), createdAt: now, updatedAt: now };
      return [{ ...s, rules: [...s.rules, rule] }, rule];
    });
  }

  /** Deletes the rules `match` selects; throws rule_not_found when there is none. */
  async deleteRules(match: (rule: RecordRule) => boolean): Promise<void> {
    await this.write((s) => {
      if (!s.rules.some(match)) throw new RuleBookError('rule_not_found', 'no such record rule');
      return [{ ...s, rules: s.rules.filter((r) => !match(r)) }, undefined];
    });
  }

  /** The recording defaults of the most specific rule matching this push; undefined when none does. */
  defaultsFor(app: string, stream: string): RuleDefaults | undefined {
    let best: { rule: RecordRule; score: number } | undefined;
    for (const rule of this.stored.rules) {
      const score = specificity(rule, app, stream);
      if (score !== undefined && (best === undefined || score > best.score)) best = { rule, score };
    }
    const template = best && this.template(best.rule.templateId);
    if (!template) return undefined;
    const enabled = this.formatsOf(template.id) ?? [];
    const intervals = enabled.filter((f) => f !== 'hls').map((f) => template.formats[f]!.intervalSec);
    return {
      formats: enabled,
      intervalSec: intervals.length > 0 ? Math.min(...intervals) : 1800,
      hlsResumeWindowSec: template.hlsContinueSec,
      templateId: template.id,
      fileNameTemplates: this.fileNameTemplatesOf(template.id),
    };
  }

  private async write<T>(change: (stored: Stored) => [Stored, T]): Promise<T> {
    this.writes++;
    await this.refresh().catch(() => undefined);
    const [next, result] = change(this.stored);
    await this.settings.set(SETTINGS_KEY, next);
    this.writes++;
    this.stored = next;
    return result;
  }
}

function nextId(items: ReadonlyArray<{ id: number }>): number {
  return Math.max(FIRST_ID - 1, ...items.map((item) => item.id)) + 1;
}

function sameTarget(a: RuleInput, b: RuleInput): boolean {
  return a.domain === b.domain && a.app === b.app && a.stream === b.stream && a.prefix === b.prefix;
}

/**
 * How well a rule fits a push, higher is more specific; undefined when it does not apply. An exact stream
 * name beats any prefix, a longer prefix a shorter one, any stream rule an app-wide one; at the same level
 * a rule naming the app beats one for every app.
 */
export function specificity(
  rule: Pick<RecordRule, 'app' | 'stream' | 'prefix'>,
  app: string,
  stream: string,
): number | undefined {
  if (rule.app !== '' && rule.app !== app) return undefined;
  const appScore = rule.app === '' ? 0 : 1;
  if (rule.stream === '') return appScore;
  if (!rule.prefix) return rule.stream === stream ? 10_000 + appScore : undefined;
  return stream.startsWith(rule.stream) ? 10 + 2 * rule.stream.length + appScore : undefined;
}
