import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../lib/api.js';
import { formatDateTime } from '../../lib/format.js';
import type { StreamBanView } from '../api-types.js';
import { ConfirmButton } from '../ui/confirm-button.js';
import { StatusText, useFormAction } from '../ui/form-status.js';
import { InputField } from '../ui/input-field.js';
import { Loaded } from '../ui/loaded.js';
import { SettingsCard } from '../ui/settings-card.js';
import { useResource } from '../ui/use-resource.js';

const PATH = '/api/v1/stream-bans';

/** Stream names refused until a time, with the reason the refused encoder and callback 0 are told. */
export function BansSection() {
  const bans = useResource('stream-bans', () => apiGet<{ bans: StreamBanView[] }>(PATH));
  return (
    <SettingsCard
      id="bans"
      title="Banned streams"
      intro="A banned stream name is disconnected and its pushes refused, in every app, until the ban ends."
    >
      <Loaded resource={bans}>
        {(data) => (
          <ul class="plain-list" aria-label="Banned streams">
            {data.bans.map((ban) => (
              <li key={ban.stream}>
                <strong>{ban.stream}</strong> until {formatDateTime(ban.resumeAt)}
                {ban.reason && ` — ${ban.reason}`}{' '}
                <ConfirmButton
                  label="Lift"
                  accessibleLabel={`Lift the ban of ${ban.stream}`}
                  question={`Allow ${ban.stream} to push again?`}
                  onConfirm={async () => {
                    await apiSend('DELETE', `${PATH}/${encodeURIComponent(ban.stream)}`);
                    bans.reload();
                  }}
                />
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      <BanForm onBanned={bans.reload} />
    </SettingsCard>
  );
}

function BanForm(props: { onBanned: () => void }) {
  const [stream, setStream] = useState('');
  const [days, setDays] = useState('7');
  const [reason, setReason] = useState('');
  const [status, run] = useFormAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const until = new Date(Date.now() + Number(days) * 86400_000).toISOString();
      await apiSend('PUT', `${PATH}/${encodeURIComponent(stream.trim())}`, { until, reason: reason.trim() });
      setStream('');
      props.onBanned();
      return 'Banned.';
    });
  };
  return (
    <form class="settings-form" onSubmit={submit} aria-label="Ban a stream" noValidate>
      <div class="field-row">
        <InputField
          id="ban-stream"
          label="Stream name"
          value={stream}
          onValue={setStream}
          autocomplete="off"
        />
        <InputField
          id="ban-days"
          label="For (days, at most 90)"
          value={days}
          onValue={setDays}
          type="number"
          min={1}
          max={90}
        />
        <InputField id="ban-reason" label="Reason" value={reason} onValue={setReason} autocomplete="off" />
      </div>
      <div class="form-actions">
        <button type="submit" class="button danger" disabled={status.kind === 'working'}>
          Ban
        </button>
        <StatusText status={status} />
      </div>
    </form>
  );
}
