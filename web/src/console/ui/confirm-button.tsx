import type { ComponentChildren } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';
import { errorText } from '../../lib/api.js';

export interface ConfirmButtonProps {
  /** The button's text, e.g. "Delete". */
  label: string;
  /** Names the thing for screen readers when the label alone is ambiguous in a list ("Delete mystream.mp4"). */
  accessibleLabel?: string;
  question: string;
  children?: ComponentChildren;
  confirmLabel?: string;
  danger?: boolean;
  /** Runs the action; a rejection is shown in the dialog, which then stays open. */
  onConfirm: () => Promise<void>;
}

/**
 * A button that asks first, in a modal `<dialog>`: Cancel has the focus (a stray Enter changes nothing),
 * Escape cancels, and the focus returns to the button afterwards.
 */
export function ConfirmButton(props: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const open = () => {
    setError('');
    dialog.current?.showModal();
  };
  const confirm = async () => {
    setBusy(true);
    setError('');
    try {
      await props.onConfirm();
      dialog.current?.close();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  const buttonClass = props.danger ? 'button danger' : 'button';
  return (
    <>
      <button type="button" class={buttonClass} onClick={open} aria-label={props.accessibleLabel}>
        {props.label}
      </button>
      <dialog ref={dialog} class="dialog" aria-labelledby={titleId}>
        <h2 id={titleId}>{props.question}</h2>
        {props.children}
        {error && (
          <p role="alert" class="error-text">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="button" autofocus onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button
            type="button"
            class={props.danger ? buttonClass : 'button primary'}
            onClick={confirm}
            disabled={busy}
          >
            {busy ? 'Working…' : (props.confirmLabel ?? props.label)}
          </button>
        </div>
      </dialog>
    </>
  );
}
