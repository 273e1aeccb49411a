import { formatDateTime } from '../../lib/format.js';
import type { PushUrl } from '../../lib/types.js';
import { CopyField } from '../ui/copy-button.js';

/** The generated URL as OBS's two fields, as one URL, and as an ffmpeg command. */
export function PushUrlResult({ result }: { result: PushUrl }) {
  return (
    <section class="card push-result" aria-labelledby="push-result-title">
      <h2 id="push-result-title">Your push URL</h2>
      <p class="muted">
        {result.signed
          ? `Signed; valid until ${formatDateTime(result.expiresAt)}.`
          : 'Not signed: this server has no push key, so anyone can push (Settings → Keys turns keys on).'}
      </p>
      <h3>OBS: Settings → Stream → Service “Custom…”</h3>
      <CopyField id="push-server" label="Server" value={result.server} />
      <CopyField id="push-key" label="Stream Key" value={result.streamKey} />
      <h3>Any other encoder</h3>
      <CopyField id="push-url" label="Full URL" value={result.url} />
      <CopyField id="push-ffmpeg" label="ffmpeg command" value={result.ffmpeg} multiline />
    </section>
  );
}
