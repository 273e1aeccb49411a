/**
 * For `bench:record --storage s3`: while a run lasts, samples the spool's size on disk and the upload
 * outbox (`/api/v1/storage`), and collects callbacks 100, whose arrival time minus the file's end time
 * is the file-close → callback latency.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type CallbackReceiver, startCallbackReceiver } from '../../test/helpers/callback-receiver.js';
import type { LiveTapeServer } from './livetape-server.js';
import { median } from './report.js';

const SAMPLE_MS = 1000;

export interface UploadFigures {
  /** Largest spool (DATA_DIR/media) seen, bytes. */
  maxSpoolBytes: number;
  /** Largest outbox backlog seen (jobs), and the longest wait of its oldest job (s); 0 with STORAGE=local. */
  maxPendingUploads: number;
  maxUploadLagSec: number;
  /** File end → callback 100 received, ms, for files of at least `minFileSec`. */
  callbackLatencyMs: { count: number; p50: number; p99: number; max: number };
}

export class UploadSampler {
  private timer: NodeJS.Timeout | undefined;
  private server: LiveTapeServer | undefined;
  private sampling: Promise<void> | undefined;
  private figures = { maxSpoolBytes: 0, maxPendingUploads: 0, maxUploadLagSec: 0 };

  private constructor(readonly receiver: CallbackReceiver) {}

  static async start(): Promise<UploadSampler> {
    return new UploadSampler(await startCallbackReceiver());
  }

  /** Settings that send the server's callbacks here. */
  get settings(): Record<string, string> {
    return { CALLBACK_URL: this.receiver.url, CALLBACK_KEY: 'bench' };
  }

  watch(server: LiveTapeServer, s3: boolean): void {
    this.server = server;
    this.timer = setInterval(() => {
      this.sampling ??= this.sample(s3).finally(() => {
        this.sampling = undefined;
      });
    }, SAMPLE_MS);
  }

  async stop(minFileSec: number): Promise<UploadFigures> {
    clearInterval(this.timer);
    await this.sampling;
    const latencies = this.receiver.accepted
      .filter((c) => c.body.event_type === 100 && Number(c.body.duration) >= minFileSec)
      .map((c) => c.at - (Number(c.body.end_time) * 1000 + Number(c.body.end_time_usec ?? 0) / 1000))
      .sort((a, b) => a - b);
    await this.receiver.close();
    return {
      ...this.figures,
      callbackLatencyMs: {
        count: latencies.length,
        p50: latencies.length ? median(latencies) : Number.NaN,
        p99: latencies.length
          ? latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)]!
          : Number.NaN,
        max: latencies.at(-1) ?? Number.NaN,
      },
    };
  }

  private async sample(s3: boolean): Promise<void> {
    const server = this.server!;
    const spool = await folderBytes(join(server.dataDir, 'media'));
    this.figures.maxSpoolBytes = Math.max(this.figures.maxSpoolBytes, spool);
    if (!s3) return;
    const status = (await fetch(server.httpUrl('/api/v1/storage'))
      .then((r) => r.json())
      .catch(() => undefined)) as { pendingUploads?: number; oldestPendingSec?: number } | undefined;
    this.figures.maxPendingUploads = Math.max(this.figures.maxPendingUploads, status?.pendingUploads ?? 0);
    this.figures.maxUploadLagSec = Math.max(this.figures.maxUploadLagSec, status?.oldestPendingSec ?? 0);
  }
}

async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    total += await stat(join(entry.parentPath, entry.name)).then(
      (s) => s.size,
      () => 0,
    );
  }
  return total;
}
