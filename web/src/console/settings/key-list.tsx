import { useState } from 'preact/hooks';
import type { KeySet, KeySettings } from '../../lib/types.js';
import { ConfirmButton } from '../ui/confirm-button.js';
import { CopyButton } from '../ui/copy-button.js';

export type KeyKind = keyof KeySettings;

const WHAT: Record<KeyKind, { title: string; off: string; use: string }> = {
  push: {
    title: 'Push keys',
    off: 'Off: anyone who can reach the RTMP port can push, and the public watch page shows their stream.',
    use: 'encoders need a URL signed with one of them (the Push URL page makes one)',
  },
  play: {
    title: 'Play keys',
    off: 'Off: live streams and recordings play without a signature.',
    use: 'live and recorded playback URLs need a signature; the console signs the URLs it shows',
  },
};

/** Shows a key's last four characters only, unless revealed. */
export function maskKey(key: string): string {
  return `${'•'.repeat(8)}${key.slice(-4)}`;
}

/** One kind of key: the list (primary first), reveal/copy/remove per key, Rotate and Disable. */
export function KeyList(props: {
  kind: KeyKind;
  set: KeySet;
  rotate: () => Promise<void>;
  save: (keys: string[]) => Promise<void>;
}) {
  const what = WHAT[props.kind];
  const { keys, source } = props.set;
  return (
    <section class="key-list" aria-labelledby={`keys-${props.kind}`}>
      <h3 id={`keys-${props.kind}`}>{what.title}</h3>
      {keys.length === 0 ? (
        <p>{what.off}</p>
      ) : (
        <>
          <p class="hint">
            On: {what.use}.{' '}
            {source === 'config' ? 'Set by the configuration; a change here overrides it.' : ''}
          </p>
          <ul class="keys">
            {keys.map((key, i) => (
              <KeyItem
                key={key}
                value={key}
                label={i === 0 ? 'Primary' : `Backup ${i}`}
                kind={props.kind}
                onRemove={i === 0 ? undefined : () => props.save(keys.filter((k) => k !== key))}
              />
            ))}
          </ul>
        </>
      )}
      <div class="actions">
        <ConfirmButton
          label={keys.length === 0 ? 'Turn on' : 'Rotate'}
          accessibleLabel={`${keys.length === 0 ? 'Turn on' : 'Rotate'} ${what.title.toLowerCase()}`}
          question={keys.length === 0 ? `Turn on ${props.kind} keys?` : `Rotate the ${props.kind} key?`}
          confirmLabel={keys.length === 0 ? 'Generate a key' : 'Rotate'}
          onConfirm={props.rotate}
        >
          <p>
            {keys.length === 0
              ? `A random key is generated; from now on ${what.use}.`
              : 'A new random primary key is generated. The current one stays valid as a backup, so running encoders and shared links keep working until you remove it.'}
          </p>
        </ConfirmButton>
        {keys.length > 0 && (
          <ConfirmButton
            label="Disable"
            accessibleLabel={`Disable ${what.title.toLowerCase()}`}
            question={`Turn off ${props.kind} keys?`}
            confirmLabel="Turn off"
            danger
            onConfirm={() => props.save([])}
          >
            <p>{what.off}</p>
          </ConfirmButton>
        )}
      </div>
    </section>
  );
}

function KeyItem(props: { value: string; label: string; kind: KeyKind; onRemove?: () => Promise<void> }) {
  const [revealed, setRevealed] = useState(false);
  const name = `${props.kind} key ${props.label.toLowerCase()}`;
  return (
    <li class="key">
      <span class="badge">{props.label}</span>
      <code class="key-value">{revealed ? props.value : maskKey(props.value)}</code>
      <button
        type="button"
        class="button quiet"
        aria-pressed={revealed}
        aria-label={`Show ${name}`}
        onClick={() => setRevealed(!revealed)}
      >
        Show
      </button>
      <CopyButton text={props.value} what={name} class="button quiet" />
      {props.onRemove && (
        <ConfirmButton
          label="Remove"
          accessibleLabel={`Remove ${name}`}
          question={`Remove this backup ${props.kind} key?`}
          danger
          onConfirm={props.onRemove}
        >
          <p>URLs signed with it stop working at once.</p>
        </ConfirmButton>
      )}
    </li>
  );
}
