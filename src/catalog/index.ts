export { Catalog, type CatalogEvents, type CatalogOptions, openCatalog } from './db.js';
export type { Engine } from './dialect.js';
export { CatalogError, type CatalogErrorKind } from './errors.js';
export { createFileIdGenerator, type FileIdSource, newFileId } from './ids.js';
export {
  type AttemptOutcome,
  type NewNotification,
  type NotificationFilter,
  NotificationRepository,
  type NotificationRow,
  type Settlement,
} from './notifications.js';
export { type PushEnd, PushRepository, type PushRow, type PushStart } from './pushes.js';
export type {
  FinishFacts,
  NewRecording,
  OpenRecordingFacts,
  RecordingRow,
} from './recording-row.js';
export {
  DEFAULT_LIST_LIMIT,
  type FinishExtra,
  MAX_LIST_LIMIT,
  type RecordingFilter,
  RecordingRepository,
} from './recordings.js';
export type {
  Database,
  FinishReason,
  NotificationStatus,
  RecordingFormat,
  RecordingStatus,
} from './schema.js';
export { SettingsRepository } from './settings.js';
