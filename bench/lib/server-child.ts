import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** The process a benchmark measures: its pid, its recent output for error messages, and a clean stop. */
export class ServerChild {
  private tail = '';
  readonly exited: Promise<number | string>;

  private constructor(
    readonly child: ChildProcess,
    logFile: string | undefined,
  ) {
    const log = logFile === undefined ? undefined : createWriteStream(logFile);
    const keep = (d: Buffer) => {
      this.tail = (this.tail + d.toString()).slice(-8192);
      log?.write(d);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  }

  static spawn(
    command: string,
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv; logFile?: string } = {},
  ): ServerChild {
    const { logFile, ...spawnOptions } = options;
    return new ServerChild(
      spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] }),
      logFile,
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get output(): string {
    return this.tail;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
