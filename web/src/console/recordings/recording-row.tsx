import { useId, useMemo, useState } from 'preact/hooks';
import { apiSend } from '../../lib/api.js';
import { formatBytes, formatDateTime, formatDuration, formatResolution } from '../../lib/format.js';
import type { Recording, Source } from '../../lib/types.js';
import { CLIPPABLE_FORMATS } from '../../player/clip-bar.js';
import { Player } from '../../player/player.js';
import { ConfirmButton } from '../ui/confirm-button.js';
import { CopyButton } from '../ui/copy-button.js';

export const RECORDING_COLUMNS = [
  'Started',
  'Stream',
  'Format',
  'Duration',
  'Size',
  'Resolution',
  'Split reason',
  'Actions',
] as const;

const REASONS: Record<string, string> = {
  interval: 'interval',
  codec_change: 'codec change',
  unpublish: 'push ended',
  recovered: 'recovered after a crash',
  disk_full: 'disk full',
  storage_error: 'storage error (repaired)',
  failed: 'failed',
  clip: 'clip',
};

/**
 * One file as a `<tbody>`: its row, and below it the inline player when opened. Each cell carries its
 * column name so the phone layout can show it as a label.
 */
export function RecordingRow(props: { recording: Recording; onDeleted: () => void }) {
  const r = props.recording;
  const [playing, setPlaying] = useState(false);
  const playerId = useId();
  const sources = useMemo<Source[]>(() => [{ format: r.format, url: r.url }], [r.format, r.url]);
  const name = `${r.stream} ${r.format.toUpperCase()} of ${formatDateTime(r.startTime)}`;
  const remove = async () => {
    await apiSend('DELETE', `/api/v1/recordings/${encodeURIComponent(r.id)}`);
    props.onDeleted();
  };
  const cells = [
    formatDateTime(r.startTime),
    `${r.app}/${r.stream}`,
    r.format.toUpperCase(),
    formatDuration(r.durationMs),
    formatBytes(r.sizeBytes),
    formatResolution(r.width, r.height),
    r.status === 'failed'
      ? `failed: ${r.error ?? 'unknown error'}`
      : r.reason
        ? (REASONS[r.reason] ?? r.reason)
        : '—',
  ];
  return (
    <tbody class="recording" data-id={r.id}>
      <tr>
        {cells.map((text, i) => (
          <td key={RECORDING_COLUMNS[i]} data-label={RECORDING_COLUMNS[i]}>
            {text}
          </td>
        ))}
        <td class="row-actions">
          <button
            type="button"
            class="button"
            aria-expanded={playing}
            aria-controls={playerId}
            aria-label={`${playing ? 'Close the player of' : 'Play'} ${name}`}
            onClick={() => setPlaying(!playing)}
          >
            {playing ? 'Close' : 'Play'}
          </button>
          <a class="button" href={r.url} download aria-label={`Download ${name}`}>
            Download
          </a>
          <CopyButton text={r.url} what={`URL of ${name}`} label="Copy URL" />
          <a
            class="button"
            href={r.playerUrl}
            target="_blank"
            rel="noopener"
            aria-label={`Player page of ${name}`}
          >
            Player page
          </a>
          <ConfirmButton
            label="Delete"
            accessibleLabel={`Delete ${name}`}
            question="Delete this recording?"
            confirmLabel="Delete recording"
            danger
            onConfirm={remove}
          >
            <p>
              {name} ({formatBytes(r.sizeBytes)}) is removed from storage for good. Links to it stop working.
            </p>
          </ConfirmButton>
        </td>
      </tr>
      <tr class="player-row" id={playerId} hidden={!playing}>
        <td colSpan={RECORDING_COLUMNS.length}>
          {playing && (
            <Player
              sources={sources}
              autoPlay
              title={`Recording ${name}`}
              class="inline-player"
              poster={r.posterUrl}
              thumbnails={r.thumbnailsUrl}
              clip={CLIPPABLE_FORMATS.has(r.format) ? { recordingId: r.id } : undefined}
            />
          )}
        </td>
      </tr>
    </tbody>
  );
}
