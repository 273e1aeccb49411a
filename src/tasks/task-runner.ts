/**
 * Runs record tasks on this node: whenever a stream pushed here is live inside a task's window, the task
 * records it (its own files, carrying the task id); when the window ends or the task is stopped, the
 * recording is finalized. A push that drops ends the files; a new push inside the window records again.
 * The catalog is the truth, so tasks made, stopped or deleted through another node (or before a restart)
 * apply here at the next look, at most `pollMs` later.
 */
import type { RecordTask, RecordTaskRepository } from '../catalog/record-tasks.js';
import type { StreamHub } from '../live/hub.js';
import type { LiveStream } from '../live/live-stream.js';
import type { Logger } from '../log.js';
import type { ExtraRecording, RecordingManager } from '../record/manager.js';
import type { RecordFormat, RecordingPlan } from '../record/plan.js';

/** Overlapping tasks of one stream that record; more are accepted but wait (as the reference does). */
export const MAX_RECORDING_TASKS_PER_STREAM = 3;

export interface TaskRunnerOptions {
  readonly hub: StreamHub;
  readonly tasks: RecordTaskRepository;
  readonly recordings: Pick<RecordingManager, 'recordFromNow'>;
  readonly log: Logger;
  /** Clamps a task's file length, as record_interval is clamped. */
  readonly intervalMinSec: number;
  readonly intervalMaxSec: number;
  /** The file-name templates (`VodFileName`) of a recording template, per format. */
  readonly fileNameTemplatesOf?: (templateId: number) => Partial<Record<RecordFormat, string>>;
  /** How often the catalog is re-read while a stream is live here. */
  readonly pollMs?: number;
}

interface Running {
  readonly task: RecordTask;
  readonly stream: LiveStream;
  readonly recording: ExtraRecording;
}

const DEFAULT_POLL_MS = 5000;

export class RecordTaskRunner {
  private readonly running = new Map<string, Running>();
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  /** One look at a time; a poke during one asks for another right after. */
  private looking: Promise<void> | undefined;
  private lookAgain = false;
  private closed = false;

  constructor(private readonly options: TaskRunnerOptions) {
    this.log = options.log.child({ component: 'record-tasks' });
    options.hub.on('publish', () => this.poke());
    options.hub.on('unpublish', (stream) => {
      for (const [id, run] of this.running) if (run.stream === stream) this.running.delete(id);
    });
  }

  /** Tasks in force now, for the API: which are recording on this node. */
  isRecording(taskId: string): boolean {
    return this.running.has(taskId);
  }

  /** Looks at the catalog again now (a task was made, or a push started). */
  poke(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.looking) {
      this.lookAgain = true;
      return this.looking;
    }
    this.looking = (async () => {
      do {
        this.lookAgain = false;
        try {
          await this.look();
        } catch (err) {
          this.log.error({ err }, 'could not read the record tasks; trying again shortly');
          this.schedule(Date.now() + (this.options.pollMs ?? DEFAULT_POLL_MS));
        }
      } while (this.lookAgain && !this.closed);
    })().finally(() => {
      this.looking = undefined;
    });
    return this.looking;
  }

  /** Finalizes a task's recording at once (stop, or a window cut short); resolves when its files are. */
  async stopRecording(taskId: string): Promise<void> {
    const run = this.running.get(taskId);
    if (!run) return;
    this.running.delete(taskId);
    this.log.info({ task: taskId, stream: run.stream.key }, 'record task stopped recording');
    await run.recording.stop();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.looking;
    await Promise.all([...this.running.keys()].map((id) => this.stopRecording(id)));
  }

  private async look(): Promise<void> {
    const now = Date.now();
    const live = this.options.hub.list();
    if (live.length === 0 && this.running.size === 0) {
      clearTimeout(this.timer);
      return;
    }
    // Tasks already recording keep their place: a task made later with an earlier start waits its turn.
    const inForce = (await this.options.tasks.inForce(now)).sort(
      (a, b) => Number(this.running.has(b.id)) - Number(this.running.has(a.id)),
    );
    const wanted = new Map<string, { task: RecordTask; stream: LiveStream }>();
    const perStream = new Map<string, number>();
    for (const task of inForce) {
      const stream = this.options.hub.get(task.app, task.stream);
      if (!stream || stream.isEnded) continue;
      const count = perStream.get(stream.key) ?? 0;
      if (count >= MAX_RECORDING_TASKS_PER_STREAM) continue;
      perStream.set(stream.key, count + 1);
      wanted.set(task.id, { task, stream });
    }
    for (const [id, run] of this.running) {
      if (wanted.get(id)?.stream === run.stream) continue;
      // A deleted task keeps recording the push it is recording until its window ends (only later
      // pushes are affected); a stopped or expired one ends now.
      if (run.task.endTime > now && (await this.options.tasks.get(id)) === undefined) continue;
      await this.stopRecording(id);
    }
    for (const [id, { task, stream }] of wanted) {
      if (this.running.has(id)) continue;
      const recording = this.options.recordings.recordFromNow(stream, this.planOf(task));
      this.running.set(id, { task, stream, recording });
      this.log.info({ task: id, stream: stream.key, formats: task.formats }, 'record task started recording');
    }
    const ends = [...this.running.values()].map((run) => run.task.endTime);
    const nextStart = live.length > 0 ? await this.options.tasks.nextStartAfter(now) : undefined;
    this.schedule(Math.min(now + (this.options.pollMs ?? DEFAULT_POLL_MS), ...ends, nextStart ?? Infinity));
  }

  private schedule(at: number): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => void this.poke(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private planOf(task: RecordTask): RecordingPlan {
    const formats = [...task.formats];
    return {
      formats,
      tracks: formats.length === 1 && formats[0] === 'aac' ? 'audio' : 'all',
      intervalSec: Math.min(
        this.options.intervalMaxSec,
        Math.max(this.options.intervalMinSec, task.intervalSec),
      ),
      nameStem: undefined,
      source: 'task',
      taskId: task.id,
      templateId: task.templateId ?? undefined,
      fileNameTemplates:
        task.templateId === null ? undefined : this.options.fileNameTemplatesOf?.(task.templateId),
      warnings: [],
    };
  }
}
