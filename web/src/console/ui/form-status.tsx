import { useState } from 'preact/hooks';
import { errorText } from '../../lib/api.js';

export type FormStatus =
  | { kind: 'idle' }
  | { kind: 'working' }
  | { kind: 'done'; message: string }
  | { kind: 'failed'; message: string };

/**
 * Runs a form's action and keeps how it went: `working` while it runs, then the success text or the
 * server's own error message (a 400 names the bad field).
 */
export function useFormAction(): [FormStatus, (action: () => Promise<string>) => Promise<void>] {
  const [status, setStatus] = useState<FormStatus>({ kind: 'idle' });
  const run = async (action: () => Promise<string>) => {
    setStatus({ kind: 'working' });
    try {
      setStatus({ kind: 'done', message: await action() });
    } catch (error) {
      setStatus({ kind: 'failed', message: errorText(error) });
    }
  };
  return [status, run];
}

/** The line next to a form's button saying how its last action went. */
export function StatusText({ status }: { status: FormStatus }) {
  if (status.kind === 'failed') {
    return (
      <p role="alert" class="error-text">
        {status.message}
      </p>
    );
  }
  return (
    <p role="status" class="status-text">
      {status.kind === 'working' ? 'Saving…' : status.kind === 'done' ? status.message : ''}
    </p>
  );
}
