/** Every API 3.0 action LiveTape answers, by name; any other gets `InvalidAction`. */
import type { Api3Action } from './endpoint.js';
import { type RecordTaskActionDeps, recordTaskActions } from './record-task-actions.js';
import { type SnapshotActionDeps, snapshotActions } from './snapshot-actions.js';
import { type StreamActionDeps, streamActions } from './stream-actions.js';
import { type TemplateActionDeps, templateActions } from './template-actions.js';

export type LiveActionDeps = Omit<RecordTaskActionDeps, 'templateFormats'> &
  StreamActionDeps &
  TemplateActionDeps &
  SnapshotActionDeps;

export function liveActions(deps: LiveActionDeps): ReadonlyMap<string, Api3Action> {
  const templateFormats = (id: number) => deps.rules.formatsOf(id);
  return new Map([
    ...recordTaskActions({ ...deps, templateFormats }),
    ...streamActions(deps),
    ...templateActions(deps),
    ...snapshotActions(deps),
  ]);
}
