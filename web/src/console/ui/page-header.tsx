import type { ComponentChildren } from 'preact';

/** A page's `<h1>` (focusable, for the focus move after navigation) with a line of explanation. */
export function PageHeader(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="page-header">
      <h1 tabIndex={-1}>{props.title}</h1>
      {props.children && <p class="muted">{props.children}</p>}
    </div>
  );
}
