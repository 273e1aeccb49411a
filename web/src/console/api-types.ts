/**
 * JSON shapes only the console reads (the callback API, see src/http/notifications-routes.ts); the ones
 * the pages share are in lib/types.ts.
 */

export const CALLBACK_URL_FIELDS = ['all', 'push', 'unpush', 'record', 'snapshot', 'recordStatus'] as const;
export type CallbackUrlField = (typeof CALLBACK_URL_FIELDS)[number];
export type Backoff = 'fixed' | 'exponential';

/** `GET /api/v1/settings/callbacks`: effective settings; the key itself is never sent back. */
export interface CallbackSettingsView {
  urls: Record<CallbackUrlField, string>;
  strict: boolean;
  timeoutSec: number;
  retry: { intervalSec: number; count: number; backoff: Backoff };
  keySource: 'settings' | 'CALLBACK_KEY' | 'none';
  /** Fields set through the API rather than configuration, e.g. `urls.push`, `retry.count`. */
  overridden: string[];
}

/** `PUT /api/v1/settings/callbacks`: only the fields to change. */
export interface CallbackSettingsPatch {
  urls?: Partial<Record<CallbackUrlField, string>>;
  key?: string;
  strict?: boolean;
  timeoutSec?: number;
  retry?: Partial<CallbackSettingsView['retry']>;
}

export type NotificationStatus = 'pending' | 'delivered' | 'dead';

/** One callback of the delivery log (`GET /api/v1/notifications`). */
export interface NotificationView {
  id: string;
  /** 0 push ended, 1 push started, 100 recording file, 200 screenshot. */
  eventType: number;
  /** `app/stream`. */
  stream: string;
  url: string;
  status: NotificationStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  /** HTTP status of the last answer; null when there was none (refused, timed out). */
  lastStatus: number | null;
  lastError: string | null;
  /** The receiver's last answer body (truncated by the server). */
  lastResponse: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface NotificationPage {
  notifications: NotificationView[];
  nextCursor: string | null;
}

export type RecordTaskState = 'scheduled' | 'active' | 'recording' | 'stopped' | 'ended';

/** A record task (`/api/v1/record-tasks`): records a stream while it is live inside its window. */
export interface RecordTaskView {
  id: string;
  app: string;
  stream: string;
  startTime: string;
  endTime: string;
  formats: string[];
  intervalSec: number;
  state: RecordTaskState;
  stoppedAt: string | null;
  createdAt: string;
  origin: 'api' | 'api3' | 'legacy';
}

/** One task with the files it made (`GET /api/v1/record-tasks/{id}`). */
export interface RecordTaskDetail extends RecordTaskView {
  recordings: Array<{ id: string; format: string; status: string; durationMs: number; playerUrl: string }>;
}

export interface FormatParamsView {
  enabled: boolean;
  intervalSec: number;
  storageTimeSec: number;
}

/** `/api/v1/record-templates`: what to record for the streams its rules name. */
export interface RecordTemplateView {
  id: number;
  name: string;
  description: string;
  formats: Partial<Record<'flv' | 'mp4' | 'hls' | 'aac', FormatParamsView>>;
  hlsContinueSec: number;
}

/** `/api/v1/record-rules`: streams bound to a template. */
export interface RecordRuleView {
  id: number;
  app: string;
  stream: string;
  streamPrefix: boolean;
  templateId: number;
}

/** `/api/v1/stream-bans`. */
export interface StreamBanView {
  stream: string;
  app: string;
  reason: string;
  resumeAt: string;
}
