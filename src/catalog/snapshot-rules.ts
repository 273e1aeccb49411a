/**
 * The `snapshot_templates` and `snapshot_rules` tables: how often and how large the snapshots of the
 * pushes a rule names are taken. Shared by every node; the snapshot rule book keeps them in memory.
 */
import type { Kysely, Selectable } from 'kysely';
import { guarded } from './errors.js';
import type { Database, SnapshotRulesTable, SnapshotTemplatesTable } from './schema.js';

export interface SnapshotTemplate {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly intervalSec: number;
  /** 0 = the source's; one side 0 keeps the aspect ratio. */
  readonly width: number;
  readonly height: number;
  /** Kept and answered; LiveTape does no content review. */
  readonly pornFlag: number;
  /** The reference's storage target: kept and answered; LiveTape stores where STORAGE says. */
  readonly cos: {
    readonly appId: number;
    readonly bucket: string;
    readonly region: string;
    readonly prefix: string;
    readonly fileName: string;
  };
  /** ms since the epoch */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface SnapshotRule {
  /** As named when created, lower-cased. */
  readonly domain: string;
  /** '' = every app. */
  readonly app: string;
  /** '' = every stream of the app. */
  readonly stream: string;
  readonly templateId: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What deleting a template did. */
export type TemplateDeletion = 'deleted' | 'not_found' | 'in_use';

export class SnapshotRuleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  templates(): Promise<SnapshotTemplate[]> {
    return guarded('list snapshot templates', async () => {
      const rows = await this.db.selectFrom('snapshot_templates').selectAll().orderBy('id').execute();
      return rows.map(toTemplate);
    });
  }

  rules(): Promise<SnapshotRule[]> {
    return guarded('list snapshot rules', async () => {
      const rows = await this.db
        .selectFrom('snapshot_rules')
        .selectAll()
        .orderBy('created_at')
        .orderBy('domain')
        .orderBy('app')
        .orderBy('stream')
        .execute();
      return rows.map(toRule);
    });
  }

  /** Fails with a `duplicate` CatalogError when the id is taken (another node was first). */
  insertTemplate(template: SnapshotTemplate): Promise<void> {
    return guarded(`insert snapshot template ${template.id}`, async () => {
      await this.db.insertInto('snapshot_templates').values(templateColumns(template)).execute();
    });
  }

  /** False when there is no such template. */
  updateTemplate(template: SnapshotTemplate): Promise<boolean> {
    return guarded(`update snapshot template ${template.id}`, async () => {
      const { id: _id, created_at: _created, ...columns } = templateColumns(template);
      const result = await this.db
        .updateTable('snapshot_templates')
        .set(columns)
        .where('id', '=', template.id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  /** Refused (`in_use`) while a rule names it. */
  deleteTemplate(id: number): Promise<TemplateDeletion> {
    return guarded(`delete snapshot template ${id}`, () =>
      this.db.transaction().execute(async (trx) => {
        const used = await trx
          .selectFrom('snapshot_rules')
          .select('template_id')
          .where('template_id', '=', id)
          .executeTakeFirst();
        if (used) return 'in_use';
        const result = await trx.deleteFrom('snapshot_templates').where('id', '=', id).executeTakeFirst();
        return result.numDeletedRows > 0n ? 'deleted' : 'not_found';
      }),
    );
  }

  /**
   * False when its template does not exist; a `duplicate` CatalogError when a rule for the same
   * domain, app and stream exists.
   */
  insertRule(rule: SnapshotRule): Promise<boolean> {
    return guarded('insert snapshot rule', () =>
      this.db.transaction().execute(async (trx) => {
        const template = await trx
          .selectFrom('snapshot_templates')
          .select('id')
          .where('id', '=', rule.templateId)
          .executeTakeFirst();
        if (!template) return false;
        await trx
          .insertInto('snapshot_rules')
          .values({
            domain: rule.domain,
            app: rule.app,
            stream: rule.stream,
            template_id: rule.templateId,
            created_at: rule.createdAt,
            updated_at: rule.updatedAt,
          })
          .execute();
        return true;
      }),
    );
  }

  /** The rule of exactly this domain, app and stream; false when there is none. */
  deleteRule(target: Pick<SnapshotRule, 'domain' | 'app' | 'stream'>): Promise<boolean> {
    return guarded('delete snapshot rule', async () => {
      const result = await this.db
        .deleteFrom('snapshot_rules')
        .where('domain', '=', target.domain)
        .where('app', '=', target.app)
        .where('stream', '=', target.stream)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }
}

function templateColumns(t: SnapshotTemplate): SnapshotTemplatesTable {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    interval_sec: t.intervalSec,
    width: t.width,
    height: t.height,
    porn_flag: t.pornFlag,
    cos_app_id: t.cos.appId,
    cos_bucket: t.cos.bucket,
    cos_region: t.cos.region,
    cos_prefix: t.cos.prefix,
    cos_file_name: t.cos.fileName,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

function toTemplate(row: Selectable<SnapshotTemplatesTable>): SnapshotTemplate {
  return {
    id: Number(row.id),
    name: row.name,
    description: row.description,
    intervalSec: Number(row.interval_sec),
    width: Number(row.width),
    height: Number(row.height),
    pornFlag: Number(row.porn_flag),
    cos: {
      appId: Number(row.cos_app_id),
      bucket: row.cos_bucket,
      region: row.cos_region,
      prefix: row.cos_prefix,
      fileName: row.cos_file_name,
    },
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toRule(row: Selectable<SnapshotRulesTable>): SnapshotRule {
  return {
    domain: row.domain,
    app: row.app,
    stream: row.stream,
    templateId: Number(row.template_id),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
