import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../lib/api.js';
import type { RetentionSettings } from '../../lib/types.js';
import { useFormAction } from '../ui/form-status.js';
import { InputField } from '../ui/input-field.js';
import { Loaded } from '../ui/loaded.js';
import { SaveForm, SettingsCard } from '../ui/settings-card.js';
import { useResource } from '../ui/use-resource.js';

const PATH = '/api/v1/settings/retention';

/** How long recordings are kept and how much disk they may use (oldest removed first). */
export function RetentionSection() {
  const settings = useResource('retention', () => apiGet<RetentionSettings>(PATH));
  return (
    <SettingsCard
      id="retention"
      title="Retention"
      intro="Finished recordings past either limit are deleted, oldest first. 0 turns a limit off."
    >
      <Loaded resource={settings}>{(data) => <RetentionForm initial={data} />}</Loaded>
    </SettingsCard>
  );
}

function RetentionForm(props: { initial: RetentionSettings }) {
  const [days, setDays] = useState(String(props.initial.days));
  const [maxGb, setMaxGb] = useState(String(props.initial.maxGb));
  const [status, run] = useFormAction();
  const save = () =>
    run(async () => {
      const saved = await apiSend<RetentionSettings>('PUT', PATH, {
        days: Number(days),
        maxGb: Number(maxGb),
      });
      setDays(String(saved.days));
      setMaxGb(String(saved.maxGb));
      return 'Saved.';
    });
  return (
    <SaveForm status={status} onSave={save} label="Retention settings">
      <div class="field-row">
        <InputField
          id="retention-days"
          label="Keep recordings for (days)"
          value={days}
          onValue={setDays}
          type="number"
          min={0}
        />
        <InputField
          id="retention-gb"
          label="Use at most (GB)"
          value={maxGb}
          onValue={setMaxGb}
          type="number"
          min={0}
          step="any"
        />
      </div>
    </SaveForm>
  );
}
