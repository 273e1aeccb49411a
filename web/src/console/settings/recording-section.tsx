import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../lib/api.js';
import type { MediaFormat, RecordingSettings } from '../../lib/types.js';
import { useFormAction } from '../ui/form-status.js';
import { Loaded } from '../ui/loaded.js';
import { SaveForm, SettingsCard } from '../ui/settings-card.js';
import { useResource } from '../ui/use-resource.js';

const PATH = '/api/v1/settings/recording';

const FORMAT_CHOICES: readonly { format: MediaFormat; text: string }[] = [
  { format: 'mp4', text: 'MP4 — plays and seeks in every browser' },
  { format: 'hls', text: 'HLS — one playlist per push, best for replay' },
  { format: 'flv', text: 'FLV — exactly what the encoder sent' },
  { format: 'aac', text: 'AAC — audio only' },
];

/** Global recording: on/off, formats, file length and the HLS resume window. */
export function RecordingSection() {
  const settings = useResource('recording', () => apiGet<RecordingSettings>(PATH));
  return (
    <SettingsCard
      id="recording"
      title="Recording"
      intro="Applies to pushes that start from now on and whose URL has no record= parameter."
    >
      <Loaded resource={settings}>{(data) => <RecordingForm initial={data} />}</Loaded>
    </SettingsCard>
  );
}

function RecordingForm(props: { initial: RecordingSettings }) {
  const [enabled, setEnabled] = useState(props.initial.formats.length > 0);
  // Formats stay ticked while recording is switched off, so switching back on restores them.
  const [formats, setFormats] = useState<MediaFormat[]>(
    props.initial.formats.length > 0 ? props.initial.formats : ['mp4'],
  );
  const [intervalSec, setIntervalSec] = useState(String(props.initial.intervalSec));
  const [resume, setResume] = useState(String(props.initial.hlsResumeWindowSec));
  const [status, run] = useFormAction();

  const toggle = (format: MediaFormat, on: boolean) =>
    setFormats(on ? [...formats, format] : formats.filter((f) => f !== format));

  const save = () =>
    run(async () => {
      if (enabled && formats.length === 0)
        throw new Error('Choose at least one format, or switch recording off.');
      const saved = await apiSend<RecordingSettings>('PUT', PATH, {
        formats: enabled ? FORMAT_CHOICES.map((c) => c.format).filter((f) => formats.includes(f)) : [],
        intervalSec: Number(intervalSec),
        hlsResumeWindowSec: Number(resume),
      });
      setEnabled(saved.formats.length > 0);
      if (saved.formats.length > 0) setFormats(saved.formats);
      return saved.formats.length > 0
        ? `Saved: new pushes are recorded as ${saved.formats.join(', ').toUpperCase()}.`
        : 'Saved: new pushes are not recorded unless their URL asks.';
    });

  return (
    <SaveForm status={status} onSave={save} label="Recording settings">
      <div class="switch-field">
        <input
          id="recording-on"
          type="checkbox"
          role="switch"
          aria-checked={enabled}
          checked={enabled}
          onChange={(e) => setEnabled(e.currentTarget.checked)}
        />
        <label for="recording-on">Record every push</label>
      </div>
      <fieldset disabled={!enabled}>
        <legend>Formats</legend>
        {FORMAT_CHOICES.map((choice) => (
          <div class="check-field" key={choice.format}>
            <input
              id={`recording-format-${choice.format}`}
              type="checkbox"
              checked={formats.includes(choice.format)}
              onChange={(e) => toggle(choice.format, e.currentTarget.checked)}
            />
            <label for={`recording-format-${choice.format}`}>{choice.text}</label>
          </div>
        ))}
      </fieldset>
      <div class="field">
        <label for="recording-interval">File length (seconds)</label>
        <input
          id="recording-interval"
          type="number"
          inputMode="numeric"
          min={1}
          value={intervalSec}
          onInput={(e) => setIntervalSec(e.currentTarget.value)}
          aria-describedby="recording-interval-hint"
        />
        <p id="recording-interval-hint" class="hint">
          A new FLV/MP4/AAC file starts at the first keyframe after this long.
        </p>
      </div>
      <div class="field">
        <label for="recording-resume">HLS resume window (seconds)</label>
        <input
          id="recording-resume"
          type="number"
          inputMode="numeric"
          min={0}
          max={1800}
          value={resume}
          onInput={(e) => setResume(e.currentTarget.value)}
          aria-describedby="recording-resume-hint"
        />
        <p id="recording-resume-hint" class="hint">
          A re-push within this time continues the same HLS playlist; 0 starts a new one every push.
        </p>
      </div>
    </SaveForm>
  );
}
