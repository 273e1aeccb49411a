/**
 * Callback settings: configuration gives the defaults, `PUT /api/v1/settings/callbacks` stores
 * overrides in the catalog (shared by every node), and the effective settings are the two merged.
 * Only overrides are stored, so a config change still applies to every field nobody overrode.
 */
import type { Config } from '../config/schema.js';
import { EventType } from './payloads.js';

export type Backoff = 'fixed' | 'exponential';

export interface CallbackUrls {
  /** Every event without a URL of its own. */
  readonly all: string;
  readonly push: string;
  readonly unpush: string;
  readonly record: string;
  readonly snapshot: string;
  /** Recording status (event 332): sent only here, never to `all` (a receiver opts in, as with the reference). */
  readonly recordStatus: string;
}

export interface RetryPolicy {
  readonly intervalSec: number;
  /** Retries after the first attempt before a callback is dead. */
  readonly count: number;
  readonly backoff: Backoff;
}

export interface CallbackSettings {
  readonly urls: CallbackUrls;
  /** Signs `sign` and the HMAC header; '' when no key is configured anywhere. */
  readonly key: string;
  readonly strict: boolean;
  readonly timeoutSec: number;
  readonly retry: RetryPolicy;
}

/** What the API may change; `null` drops an override, so the field follows configuration again. */
export interface CallbackSettingsPatch {
  readonly urls?: { readonly [K in keyof CallbackUrls]?: string | null };
  readonly key?: string | null;
  readonly strict?: boolean | null;
  readonly timeoutSec?: number | null;
  readonly retry?: { readonly [K in keyof RetryPolicy]?: RetryPolicy[K] | null };
}

/** The stored overrides: a patch with the nulls applied (absent = not overridden). */
export interface CallbackOverrides {
  readonly urls?: Partial<CallbackUrls>;
  readonly key?: string;
  readonly strict?: boolean;
  readonly timeoutSec?: number;
  readonly retry?: Partial<RetryPolicy>;
}

export type KeySource = 'settings' | 'CALLBACK_KEY' | 'none';

/** Exponential backoff stops growing here. */
const MAX_BACKOFF_MS = 3_600_000;

type CallbackConfig = Pick<
  Config,
  | 'callbackUrl'
  | 'callbackUrlPush'
  | 'callbackUrlUnpush'
  | 'callbackUrlRecord'
  | 'callbackUrlSnapshot'
  | 'callbackUrlRecordStatus'
  | 'callbackKey'
  | 'callbackStrict'
  | 'callbackTimeout'
  | 'callbackRetryInterval'
  | 'callbackRetryCount'
  | 'callbackBackoff'
>;

export function settingsFromConfig(config: CallbackConfig): CallbackSettings {
  return {
    urls: {
      all: config.callbackUrl,
      push: config.callbackUrlPush,
      unpush: config.callbackUrlUnpush,
      record: config.callbackUrlRecord,
      snapshot: config.callbackUrlSnapshot,
      recordStatus: config.callbackUrlRecordStatus,
    },
    // Never the API key: a callback's `sign = md5(key + t)` is the very signature `/common_access`
    // accepts, so any callback receiver could have used it to call the API.
    key: config.callbackKey[0] ?? '',
    strict: config.callbackStrict,
    timeoutSec: config.callbackTimeout,
    retry: {
      intervalSec: config.callbackRetryInterval,
      count: config.callbackRetryCount,
      backoff: config.callbackBackoff,
    },
  };
}

export function keySource(config: CallbackConfig, overrides: CallbackOverrides): KeySource {
  if (overrides.key) return 'settings';
  if (config.callbackKey[0]) return 'CALLBACK_KEY';
  return 'none';
}

export function applyOverrides(base: CallbackSettings, overrides: CallbackOverrides): CallbackSettings {
  return {
    urls: { ...base.urls, ...overrides.urls },
    // An empty stored key means "no override", the same as an absent one.
    key: overrides.key || base.key,
    strict: overrides.strict ?? base.strict,
    timeoutSec: overrides.timeoutSec ?? base.timeoutSec,
    retry: { ...base.retry, ...overrides.retry },
  };
}

export function mergePatch(stored: CallbackOverrides, patch: CallbackSettingsPatch): CallbackOverrides {
  const merged: Record<string, unknown> = {
    ...stored,
    urls: mergeFields(stored.urls, patch.urls),
    retry: mergeFields(stored.retry, patch.retry),
  };
  for (const field of ['key', 'strict', 'timeoutSec'] as const) {
    if (patch[field] === null) delete merged[field];
    else if (patch[field] !== undefined) merged[field] = patch[field];
  }
  for (const group of ['urls', 'retry'] as const) if (merged[group] === undefined) delete merged[group];
  return merged as CallbackOverrides;
}

function mergeFields<T extends object>(
  stored: Partial<T> | undefined,
  patch: { [K in keyof T]?: T[K] | null } | undefined,
): Partial<T> | undefined {
  const merged: Record<string, unknown> = { ...stored };
  for (const [field, value] of Object.entries(patch ?? {})) {
    if (value === null) delete merged[field];
    else if (value !== undefined) merged[field] = value;
  }
  return Object.keys(merged).length > 0 ? (merged as Partial<T>) : undefined;
}

/** The receiver of an event type, '' when none is configured (the event is then not recorded). */
export function urlFor(urls: CallbackUrls, eventType: EventType): string {
  if (eventType === EventType.recordingStatus) return urls.recordStatus;
  const own = {
    [EventType.pushStarted]: urls.push,
    [EventType.pushEnded]: urls.unpush,
    [EventType.recordingFile]: urls.record,
    [EventType.screenshot]: urls.snapshot,
  }[eventType];
  return own || urls.all;
}

/** The wait after the `attemptInRound`-th failed attempt (1-based). */
export function retryDelayMs(retry: RetryPolicy, attemptInRound: number): number {
  const base = retry.intervalSec * 1000;
  if (retry.backoff === 'fixed') return base;
  return Math.min(base * 2 ** Math.min(attemptInRound - 1, 40), MAX_BACKOFF_MS);
}
