import type { ComponentChildren } from 'preact';
import { type FormStatus, StatusText } from './form-status.js';

/** A titled card of the Settings page; `id` is its anchor (`/console/settings#callbacks`). */
export function SettingsCard(props: {
  id: string;
  title: string;
  intro?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="card settings-card" id={props.id} aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.intro && <p class="muted">{props.intro}</p>}
      {props.children}
    </section>
  );
}

/** A settings form with its own Save button and the line saying how the save went. */
export function SaveForm(props: {
  status: FormStatus;
  onSave: () => void;
  children: ComponentChildren;
  label: string;
}) {
  const submit = (event: Event) => {
    event.preventDefault();
    props.onSave();
  };
  return (
    <form class="settings-form" onSubmit={submit} aria-label={props.label} noValidate>
      {props.children}
      <div class="form-actions">
        <button type="submit" class="button primary" disabled={props.status.kind === 'working'}>
          Save
        </button>
        <StatusText status={props.status} />
      </div>
    </form>
  );
}
