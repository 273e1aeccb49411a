/**
 * The real `livetape` entry point in a child process: exit codes, signals, and a real ffmpeg push
 * with a URL from `livetape push-url` as the oracle for the signing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run.js';
import { processServeDeps } from './serve.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
// Resolved here: the child runs in a temp dir where `--import tsx` would not find the package.
const TSX = createRequire(import.meta.url).resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'livetape-main-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  // A failed assertion must not leave a server running.
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function livetape(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  children.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk) => {
    out.stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    out.stderr += chunk;
  });
  const exited = new Promise<Exit>((resolve) => child.on('close', (code) => resolve({ code, ...out })));
  return { child, exited };
}

function ffmpegPush(url: string): Promise<number | null> {
  const args = ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-t', '1'];
  const child = spawn('ffmpeg', [
    ...args,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '30',
    '-f',
    'flv',
    url,
  ]);
  return new Promise((resolve) => child.on('close', resolve));
}

describe('livetape (process)', () => {
  it('starts with a node shebang', () => {
    expect(readFileSync(MAIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('exits 2 with a one-line message and no stack on a bad configuration', async () => {
    const { exited } = livetape(['serve'], { LIVETAPE_RTMP_PORT: 'abc' });
    expect(await exited).toEqual({
      code: 2,
      stdout: '',
      stderr: 'livetape: LIVETAPE_RTMP_PORT=abc (environment): expected an integer 0–65535\n',
    });
  });

  it('serves pushes signed by push-url, refuses a forged one, and exits 0 on SIGTERM', async () => {
    const env = { LIVETAPE_PUSH_KEY: 'primary,backup', LIVETAPE_RTMP_PORT: '0', LIVETAPE_HTTP_PORT: '0' };
    const server = livetape(['serve', '--data-dir', join(dir, 'data'), '--log-level', 'warn'], env);
    let banner = '';
    server.child.stderr!.on('data', (chunk) => {
      banner += chunk;
    });
    // Generous: the machine is shared with other test runs, and tsx compiles the server on start.
    await expect.poll(() => banner, { timeout: 40_000 }).toContain('API');
    const rtmpPort = /rtmp:\/\/localhost:(\d+)\//.exec(banner)![1]!;

    let output = '';
    const context = {
      env,
      cwd: dir,
      stdout: (text: string) => {
        output += text;
      },
      stderr: () => {},
      now: Date.now,
    };
    const args = ['push-url', 'cam1', '--host', `127.0.0.1:${rtmpPort}`, '--expires', '5m'];
    expect(await runCli(args, context, processServeDeps)).toBe(0);
    const url = output.split('\n')[0]!;
    expect(await ffmpegPush(url)).toBe(0);
    const forged = url.replace(/txSecret=([0-9a-f])/, (_m, digit) => `txSecret=${digit === '0' ? '1' : '0'}`);
    expect(await ffmpegPush(forged)).not.toBe(0);

    server.child.kill('SIGTERM');
    const result = await server.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('txSecret does not match any push key');
  });
});
