import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { type ChildServer, freePort, startChildServer } from './child-server.js';

export interface RestartableServer {
  /** The process now running; throws when none is. */
  readonly running: ChildServer;
  /** Starts a process on the folder and ports (with `settings()` as they are now). */
  start(): Promise<ChildServer>;
  /** `kill -9` the running process, and see it die of that signal. */
  kill(): Promise<void>;
}

/**
 * One LiveTape process at a time on one data folder and one pair of ports, for tests that kill it and
 * start it again. Call it in the `describe` body after the hooks that start what `settings` refers to:
 * its hooks make the folder and pick the ports, and at the end stop what still runs (before those
 * hooks' own clean-up) and remove the folder.
 */
export function restartableServer(
  tempPrefix: string,
  settings: () => Record<string, string>,
): RestartableServer {
  let dataDir = '';
  let ports = { rtmp: 0, http: 0 };
  let current: ChildServer | undefined;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), tempPrefix));
    ports = { rtmp: await freePort(), http: await freePort() };
  });
  afterAll(async () => {
    if (current) {
      current.child.kill('SIGTERM');
      await current.exited;
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  return {
    get running() {
      if (!current) throw new Error('no LiveTape process is running');
      return current;
    },
    async start() {
      current = await startChildServer(dataDir, ports, settings());
      return current;
    },
    async kill() {
      const server = this.running;
      server.child.kill('SIGKILL');
      expect(await server.exited).toBe('SIGKILL');
      current = undefined;
    },
  };
}
