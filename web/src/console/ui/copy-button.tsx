import { useEffect, useState } from 'preact/hooks';
import { copyText } from './clipboard.js';

type CopyState = 'idle' | 'copied' | 'failed';
const FEEDBACK_MS = 2000;

/** A Copy button that says "Copied" for a moment (also to screen readers, through a status region). */
export function CopyButton(props: { text: string; what: string; label?: string; class?: string }) {
  const [state, setState] = useState<CopyState>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), FEEDBACK_MS);
    return () => clearTimeout(timer);
  }, [state]);
  const copy = () => {
    copyText(props.text).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };
  const feedback = state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : '';
  return (
    <>
      <button type="button" class={props.class ?? 'button'} onClick={copy} aria-label={`Copy ${props.what}`}>
        {feedback || (props.label ?? 'Copy')}
      </button>
      <span role="status" class="visually-hidden">
        {feedback && `${feedback}: ${props.what}`}
      </span>
    </>
  );
}

/** A labelled read-only value with its Copy button: URLs, keys, commands. */
export function CopyField(props: { label: string; value: string; multiline?: boolean; id: string }) {
  const select = (event: Event) => (event.currentTarget as HTMLInputElement | HTMLTextAreaElement).select();
  return (
    <div class="copy-field">
      <label for={props.id}>{props.label}</label>
      <div class="copy-field-row">
        {props.multiline ? (
          <textarea id={props.id} readOnly rows={3} value={props.value} onFocus={select} spellcheck={false} />
        ) : (
          <input id={props.id} readOnly value={props.value} onFocus={select} spellcheck={false} />
        )}
        <CopyButton text={props.value} what={props.label} />
      </div>
    </div>
  );
}
