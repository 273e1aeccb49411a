/** Every API 3.0 action LiveTape answers, by name; any other gets `InvalidAction`. */
import type { Api3Action } from './endpoint.js';
import { type RecordTaskActionDeps, recordTaskActions } from './record-task-actions.js';
import { type StreamActionDeps, streamActions } from './stream-actions.js';

export type LiveActionDeps = RecordTaskActionDeps & StreamActionDeps;

export function liveActions(deps: LiveActionDeps): ReadonlyMap<string, Api3Action> {
  return new Map([...recordTaskActions(deps), ...streamActions(deps)]);
}
