import { useState } from 'preact/hooks';
import { apiSend } from '../../lib/api.js';
import type { MediaFormat, PushUrl, PushUrlRequest } from '../../lib/types.js';
import { StatusText, useFormAction } from '../ui/form-status.js';
import { InputField } from '../ui/input-field.js';
import { PageHeader } from '../ui/page-header.js';
import { PushUrlResult } from './push-url-result.js';

const EXPIRY_CHOICES = [
  { seconds: 3600, text: '1 hour' },
  { seconds: 86_400, text: '24 hours' },
  { seconds: 604_800, text: '7 days' },
  { seconds: 2_592_000, text: '30 days' },
] as const;
const FORMATS: readonly MediaFormat[] = ['mp4', 'hls', 'flv', 'aac'];

/** Makes a (signed) push URL for a stream, split the way OBS asks for it, plus the ffmpeg command. */
export function PushUrlPage() {
  const [app, setApp] = useState('live');
  const [stream, setStream] = useState('');
  const [expiresInSec, setExpiresInSec] = useState(86_400);
  const [formats, setFormats] = useState<MediaFormat[]>([]);
  const [intervalSec, setIntervalSec] = useState('');
  const [result, setResult] = useState<PushUrl>();
  const [status, run] = useFormAction();

  const toggle = (format: MediaFormat, on: boolean) =>
    setFormats(on ? [...formats, format] : formats.filter((f) => f !== format));

  const generate = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const request: PushUrlRequest = {
        app: app.trim() || 'live',
        stream: stream.trim(),
        expiresInSec,
        ...(formats.length > 0 ? { record: FORMATS.filter((f) => formats.includes(f)) } : {}),
        ...(intervalSec.trim() ? { recordIntervalSec: Number(intervalSec) } : {}),
      };
      setResult(await apiSend<PushUrl>('POST', '/api/v1/push-urls', request));
      return 'Push URL ready.';
    });
  };

  return (
    <>
      <PageHeader title="Push URL">
        Make the address an encoder (OBS, ffmpeg, a phone app) pushes a stream to.
      </PageHeader>
      <form class="card push-form" onSubmit={generate} aria-label="Push URL" noValidate>
        <div class="field-row">
          <InputField id="push-app" label="App" value={app} onValue={setApp} autocomplete="off" />
          <InputField
            id="push-stream"
            label="Stream name"
            value={stream}
            onValue={setStream}
            required
            autocomplete="off"
            placeholder="e.g. studio1"
          />
          <div class="field">
            <label for="push-expiry">Valid for</label>
            <select
              id="push-expiry"
              value={String(expiresInSec)}
              onChange={(e) => setExpiresInSec(Number(e.currentTarget.value))}
            >
              {EXPIRY_CHOICES.map((choice) => (
                <option key={choice.seconds} value={String(choice.seconds)}>
                  {choice.text}
                </option>
              ))}
            </select>
          </div>
        </div>
        <fieldset>
          <legend>Record as</legend>
          <p class="hint">None ticked: the global recording setting applies.</p>
          <div class="inline-checks">
            {FORMATS.map((format) => (
              <div class="check-field" key={format}>
                <input
                  id={`push-format-${format}`}
                  type="checkbox"
                  checked={formats.includes(format)}
                  onChange={(e) => toggle(format, e.currentTarget.checked)}
                />
                <label for={`push-format-${format}`}>{format.toUpperCase()}</label>
              </div>
            ))}
          </div>
        </fieldset>
        <InputField
          id="push-interval"
          label="File length (seconds, optional)"
          value={intervalSec}
          onValue={setIntervalSec}
          type="number"
          inputMode="numeric"
          min={60}
          placeholder="server default"
        />
        <div class="form-actions">
          <button type="submit" class="button primary" disabled={status.kind === 'working'}>
            Generate
          </button>
          <StatusText status={status} />
        </div>
      </form>
      {result && <PushUrlResult result={result} />}
    </>
  );
}
