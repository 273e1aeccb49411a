import { apiSend } from '../../lib/api.js';
import { formatBitrate, formatUptime } from '../../lib/format.js';
import type { AudioInfo, LiveStreamView, VideoInfo } from '../../lib/types.js';
import { RecordButton } from '../tasks/record-button.js';
import { ConfirmButton } from '../ui/confirm-button.js';
import { LivePreview } from './live-preview.js';
import { Sparkline } from './sparkline.js';

/** One live push: its preview, what it sends, how it is doing, and the Kick button. */
export function StreamCard(props: { stream: LiveStreamView; onKicked: () => void }) {
  const s = props.stream;
  const name = `${s.app}/${s.stream}`;
  const kick = async () => {
    await apiSend('DELETE', `/api/v1/streams/${encodeURIComponent(s.app)}/${encodeURIComponent(s.stream)}`);
    props.onKicked();
  };
  return (
    <li class="card stream-card" aria-label={name}>
      <LivePreview
        key={s.sessionId}
        flvUrl={s.playback.flv}
        hlsUrl={s.playback.hls}
        poster={s.snapshotUrl}
        title={`Live preview of ${name}`}
      />
      <div class="stream-card-body">
        <h2 class="stream-name">{name}</h2>
        <dl class="facts">
          <dt>Video</dt>
          <dd>{describeVideo(s.video)}</dd>
          <dt>Audio</dt>
          <dd>{describeAudio(s.audio)}</dd>
          <dt>Bitrate</dt>
          <dd class="bitrate">
            <span>{formatBitrate(s.bitrate)}</span>
            <Sparkline samples={s.bitrateSamples} label={bitrateHistory(s.bitrateSamples)} />
          </dd>
          <dt>Uptime</dt>
          <dd>{formatUptime(s.uptimeSeconds)}</dd>
          <dt>Viewers</dt>
          <dd>{s.viewers}</dd>
          <dt>Recording</dt>
          <dd>
            {s.recordingFormats.length === 0 ? (
              <span class="muted">not recorded</span>
            ) : (
              <ul class="badges" aria-label="Formats being recorded">
                {s.recordingFormats.map((format) => (
                  <li key={format} class="badge recording">
                    {format.toUpperCase()}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </dl>
        <div class="actions">
          <RecordButton app={s.app} stream={s.stream} />
          <ConfirmButton
            label="Kick"
            accessibleLabel={`Kick the publisher of ${name}`}
            question={`Kick the publisher of ${name}?`}
            confirmLabel="Kick publisher"
            danger
            onConfirm={kick}
          >
            <p>
              The push is cut off now. What was recorded so far is finished and kept; the encoder may
              reconnect unless its key is changed.
            </p>
          </ConfirmButton>
        </div>
      </div>
    </li>
  );
}

/** The names people know the codecs by (the API says `avc`, OBS says H.264). */
const CODEC_NAMES: Record<string, string> = {
  avc: 'H.264',
  hevc: 'H.265',
  av1: 'AV1',
  vp9: 'VP9',
  aac: 'AAC',
  mp3: 'MP3',
};
const codecName = (codec: string) => CODEC_NAMES[codec] ?? codec.toUpperCase();

/** What the sparkline shows, in words for screen readers. */
function bitrateHistory(samples: readonly number[]): string {
  const range = `${formatBitrate(Math.min(...samples))} to ${formatBitrate(Math.max(...samples))}`;
  return `Recent bitrate, ${samples.length} measurements from ${range}`;
}

function describeVideo(video: VideoInfo | null): string {
  if (!video) return 'none';
  const fps = video.fps > 0 ? ` · ${Math.round(video.fps * 100) / 100} fps` : '';
  return `${codecName(video.codec)} · ${video.width}×${video.height}${fps}`;
}

function describeAudio(audio: AudioInfo | null): string {
  if (!audio) return 'none';
  const channels = audio.channels === 1 ? 'mono' : audio.channels === 2 ? 'stereo' : `${audio.channels} ch`;
  return `${codecName(audio.codec)} · ${audio.sampleRate / 1000} kHz ${channels}`;
}
