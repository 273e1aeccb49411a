import type { ComponentChildren } from 'preact';
import type { Resource } from './use-resource.js';

/** Shows `children(data)` once a resource has loaded; until then a loading line, or why it failed. */
export function Loaded<T>(props: { resource: Resource<T>; children: (data: T) => ComponentChildren }) {
  const { data, error } = props.resource;
  if (data !== undefined) return <>{props.children(data)}</>;
  if (error) {
    return (
      <p role="alert" class="error-text">
        Could not load: {error}
      </p>
    );
  }
  return <p class="muted">Loading…</p>;
}
