/**
 * The callback form's values and the PUT body made from them: only fields that differ from what was
 * loaded, so saving one URL does not pin every other field to today's configuration.
 */
import {
  type Backoff,
  CALLBACK_URL_FIELDS,
  type CallbackSettingsPatch,
  type CallbackSettingsView,
  type CallbackUrlField,
} from '../api-types.js';

export interface CallbackDraft {
  urls: Record<CallbackUrlField, string>;
  /** A new signing key; '' keeps the current one. */
  key: string;
  strict: boolean;
  timeoutSec: string;
  retryCount: string;
  retryIntervalSec: string;
  backoff: Backoff;
}

export function draftOf(view: CallbackSettingsView): CallbackDraft {
  return {
    urls: { ...view.urls },
    key: '',
    strict: view.strict,
    timeoutSec: String(view.timeoutSec),
    retryCount: String(view.retry.count),
    retryIntervalSec: String(view.retry.intervalSec),
    backoff: view.retry.backoff,
  };
}

/** The changed fields; an empty object when nothing changed. */
export function callbackPatch(view: CallbackSettingsView, draft: CallbackDraft): CallbackSettingsPatch {
  const patch: CallbackSettingsPatch = {};
  const urls = Object.fromEntries(
    CALLBACK_URL_FIELDS.filter((f) => draft.urls[f].trim() !== view.urls[f]).map((f) => [
      f,
      draft.urls[f].trim(),
    ]),
  );
  if (Object.keys(urls).length > 0) patch.urls = urls;
  if (draft.key !== '') patch.key = draft.key;
  if (draft.strict !== view.strict) patch.strict = draft.strict;
  if (Number(draft.timeoutSec) !== view.timeoutSec) patch.timeoutSec = Number(draft.timeoutSec);
  const retry: CallbackSettingsPatch['retry'] = {};
  if (Number(draft.retryCount) !== view.retry.count) retry.count = Number(draft.retryCount);
  if (Number(draft.retryIntervalSec) !== view.retry.intervalSec)
    retry.intervalSec = Number(draft.retryIntervalSec);
  if (draft.backoff !== view.retry.backoff) retry.backoff = draft.backoff;
  if (Object.keys(retry).length > 0) patch.retry = retry;
  return patch;
}
