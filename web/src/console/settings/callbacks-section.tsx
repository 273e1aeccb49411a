import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../lib/api.js';
import { CALLBACK_URL_FIELDS, type CallbackSettingsView, type CallbackUrlField } from '../api-types.js';
import { useFormAction } from '../ui/form-status.js';
import { Loaded } from '../ui/loaded.js';
import { SaveForm, SettingsCard } from '../ui/settings-card.js';
import { useResource } from '../ui/use-resource.js';
import { type CallbackDraft, callbackPatch, draftOf } from './callback-patch.js';

const PATH = '/api/v1/settings/callbacks';

const URL_LABELS: Record<CallbackUrlField, string> = {
  all: 'Every event',
  push: 'Push started',
  unpush: 'Push ended',
  record: 'Recording file',
  snapshot: 'Screenshot',
  recordStatus: 'Recording status (332, only here)',
};

/** Empty URL fields fall back to "Every event", except recording status, which is sent only where asked. */
const PLACEHOLDERS: Partial<Record<CallbackUrlField, string>> = {
  all: 'https://backend.example.com/livetape',
  recordStatus: 'not sent',
};

const KEY_SOURCES: Record<CallbackSettingsView['keySource'], string> = {
  settings: 'a key saved here',
  CALLBACK_KEY: 'CALLBACK_KEY from the configuration',
  none: 'no key: callbacks are not signed',
};

/** Where event callbacks go, how they are signed and retried. */
export function CallbacksSection() {
  const settings = useResource('callbacks', () => apiGet<CallbackSettingsView>(PATH));
  return (
    <SettingsCard
      id="callbacks"
      title="Callbacks"
      intro="LiveTape POSTs each event to your backend (Tencent LVB format). An empty URL sends nothing."
    >
      <Loaded resource={settings}>{(data) => <CallbackForm initial={data} />}</Loaded>
    </SettingsCard>
  );
}

function CallbackForm(props: { initial: CallbackSettingsView }) {
  const [view, setView] = useState(props.initial);
  const [draft, setDraft] = useState<CallbackDraft>(() => draftOf(props.initial));
  const [status, run] = useFormAction();
  const set = <K extends keyof CallbackDraft>(field: K, value: CallbackDraft[K]) =>
    setDraft((d) => ({ ...d, [field]: value }));
  const setUrl = (field: CallbackUrlField, value: string) =>
    setDraft((d) => ({ ...d, urls: { ...d.urls, [field]: value } }));

  const save = () =>
    run(async () => {
      const patch = callbackPatch(view, draft);
      if (Object.keys(patch).length === 0) return 'Nothing changed.';
      const saved = await apiSend<CallbackSettingsView>('PUT', PATH, patch);
      setView(saved);
      setDraft(draftOf(saved));
      return 'Saved.';
    });

  return (
    <SaveForm status={status} onSave={save} label="Callback settings">
      <fieldset>
        <legend>Callback URLs</legend>
        {CALLBACK_URL_FIELDS.map((field) => (
          <div class="field" key={field}>
            <label for={`callback-url-${field}`}>{URL_LABELS[field]}</label>
            <input
              id={`callback-url-${field}`}
              type="url"
              inputMode="url"
              placeholder={PLACEHOLDERS[field] ?? 'same as “Every event”'}
              value={draft.urls[field]}
              onInput={(e) => setUrl(field, e.currentTarget.value)}
            />
          </div>
        ))}
      </fieldset>
      <div class="field">
        <label for="callback-key">New signing key</label>
        <input
          id="callback-key"
          type="password"
          autocomplete="new-password"
          value={draft.key}
          onInput={(e) => set('key', e.currentTarget.value)}
          aria-describedby="callback-key-hint"
        />
        <p id="callback-key-hint" class="hint">
          Signs each callback (sign = md5(key + t)). Now: {KEY_SOURCES[view.keySource]}. Leave empty to keep
          it.
        </p>
      </div>
      <div class="check-field">
        <input
          id="callback-strict"
          type="checkbox"
          checked={draft.strict}
          onChange={(e) => set('strict', e.currentTarget.checked)}
        />
        <label for="callback-strict">Strict: a delivery counts only when the answer is {'{"code":0}'}</label>
      </div>
      <div class="field-row">
        <div class="field">
          <label for="callback-timeout">Timeout (seconds)</label>
          <input
            id="callback-timeout"
            type="number"
            step="any"
            value={draft.timeoutSec}
            onInput={(e) => set('timeoutSec', e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="callback-retry-count">Retries</label>
          <input
            id="callback-retry-count"
            type="number"
            min={0}
            value={draft.retryCount}
            onInput={(e) => set('retryCount', e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="callback-retry-interval">Retry after (seconds)</label>
          <input
            id="callback-retry-interval"
            type="number"
            step="any"
            value={draft.retryIntervalSec}
            onInput={(e) => set('retryIntervalSec', e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="callback-backoff">Backoff</label>
          <select
            id="callback-backoff"
            value={draft.backoff}
            onChange={(e) => set('backoff', e.currentTarget.value as CallbackDraft['backoff'])}
          >
            <option value="fixed">fixed</option>
            <option value="exponential">exponential</option>
          </select>
        </div>
      </div>
    </SaveForm>
  );
}
