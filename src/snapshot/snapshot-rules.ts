/**
 * Snapshot templates and rules (Tencent's Create/Describe/Delete LiveSnapshotTemplate and …Rule): a
 * push a rule names is snapshotted at its template's interval and size instead of the global
 * SNAPSHOT_INTERVAL/WIDTH/HEIGHT. The catalog holds them (shared by every node); this book keeps a copy
 * in memory, because each keyframe of a live stream asks which settings apply. A change made here is in
 * force at once on this node, and on the others when they next re-read the shared settings.
 */
import { CatalogError } from '../catalog/errors.js';
import type { SnapshotRule, SnapshotRuleRepository, SnapshotTemplate } from '../catalog/snapshot-rules.js';
import { MAX_RULES, MAX_TEMPLATES, RuleBookError, specificity } from '../tasks/record-rules.js';

/** How a stream is snapshotted: every `intervalSec` seconds (0 = never), at `width`×`height`. */
export interface SnapshotSettings {
  readonly intervalSec: number;
  readonly width: number;
  readonly height: number;
}

export type SnapshotTemplateInput = Omit<SnapshotTemplate, 'id' | 'createdAt' | 'updatedAt'>;

/** Id retries when another node took the same new template id at the same moment. */
const ID_ATTEMPTS = 5;

export class SnapshotRuleBook {
  private current: { templates: SnapshotTemplate[]; rules: SnapshotRule[] } = { templates: [], rules: [] };
  private writes = 0;

  private constructor(private readonly repo: SnapshotRuleRepository) {}

  static async load(repo: SnapshotRuleRepository): Promise<SnapshotRuleBook> {
    const book = new SnapshotRuleBook(repo);
    await book.refresh();
    return book;
  }

  /** Re-reads the catalog (what other nodes changed); a write made meanwhile wins. */
  async refresh(): Promise<void> {
    const writes = this.writes;
    const [templates, rules] = await Promise.all([this.repo.templates(), this.repo.rules()]);
    if (writes === this.writes) this.current = { templates, rules };
  }

  templates(): readonly SnapshotTemplate[] {
    return this.current.templates;
  }

  template(id: number): SnapshotTemplate | undefined {
    return this.current.templates.find((t) => t.id === id);
  }

  rules(): readonly SnapshotRule[] {
    return this.current.rules;
  }

  /** The settings of the most specific rule naming this push; undefined when no rule does. */
  settingsFor(app: string, stream: string): SnapshotSettings | undefined {
    let best: { rule: SnapshotRule; score: number } | undefined;
    for (const rule of this.current.rules) {
      const score = specificity({ ...rule, prefix: false }, app, stream);
      if (score !== undefined && (best === undefined || score > best.score)) best = { rule, score };
    }
    const template = best && this.template(best.rule.templateId);
    return template && { intervalSec: template.intervalSec, width: template.width, height: template.height };
  }

  async createTemplate(input: SnapshotTemplateInput): Promise<SnapshotTemplate> {
    return this.write(async () => {
      for (let attempt = 1; ; attempt++) {
        const templates = await this.repo.templates();
        if (templates.length >= MAX_TEMPLATES) {
          throw new RuleBookError('limit', `at most ${MAX_TEMPLATES} snapshot templates`);
        }
        const now = Date.now();
        const id = Math.max(0, ...templates.map((t) => t.id)) + 1;
        const template = { ...input, id, createdAt: now, updatedAt: now };
        try {
          await this.repo.insertTemplate(template);
          return template;
        } catch (error) {
          if (!(error instanceof CatalogError && error.kind === 'duplicate') || attempt >= ID_ATTEMPTS)
            throw error;
        }
      }
    });
  }

  async updateTemplate(id: number, input: Partial<SnapshotTemplateInput>): Promise<SnapshotTemplate> {
    return this.write(async () => {
      const old = this.template(id);
      const template = old && { ...old, ...input, id, updatedAt: Date.now() };
      if (!template || !(await this.repo.updateTemplate(template))) throw notFound(id);
      return template;
    });
  }

  /** Refused while a rule uses it. */
  async deleteTemplate(id: number): Promise<void> {
    await this.write(async () => {
      const outcome = await this.repo.deleteTemplate(id);
      if (outcome === 'not_found') throw notFound(id);
      if (outcome === 'in_use') {
        throw new RuleBookError('template_in_use', `snapshot template ${id} is used by a rule`);
      }
    });
  }

  /** One rule per (domain, app, stream). */
  async createRule(input: Omit<SnapshotRule, 'createdAt' | 'updatedAt'>): Promise<void> {
    await this.write(async () => {
      if (this.current.rules.length >= MAX_RULES) {
        throw new RuleBookError('limit', `at most ${MAX_RULES} snapshot rules`);
      }
      const now = Date.now();
      try {
        if (!(await this.repo.insertRule({ ...input, createdAt: now, updatedAt: now }))) {
          throw notFound(input.templateId);
        }
      } catch (error) {
        if (error instanceof CatalogError && error.kind === 'duplicate') {
          throw new RuleBookError('rule_exists', 'a snapshot rule for these streams exists');
        }
        throw error;
      }
    });
  }

  async deleteRule(target: Pick<SnapshotRule, 'domain' | 'app' | 'stream'>): Promise<void> {
    await this.write(async () => {
      if (!(await this.repo.deleteRule(target))) {
        throw new RuleBookError('rule_not_found', 'no such snapshot rule');
      }
    });
  }

  /** Runs a change against the catalog, then reloads the copy so this node applies it at once. */
  private async write<T>(change: () => Promise<T>): Promise<T> {
    this.writes++;
    try {
      return await change();
    } finally {
      const [templates, rules] = await Promise.all([this.repo.templates(), this.repo.rules()]);
      this.writes++;
      this.current = { templates, rules };
    }
  }
}

function notFound(id: number): RuleBookError {
  return new RuleBookError('template_not_found', `no snapshot template ${id}`);
}
