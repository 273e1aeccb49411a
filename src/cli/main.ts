#!/usr/bin/env node
import { runCli } from './run.js';
import { processServeDeps } from './serve.js';

const context = {
  env: process.env,
  cwd: process.cwd(),
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
  now: Date.now,
};

try {
  // Exit explicitly: after a shutdown, a stray handle (a client socket) must not keep the process alive.
  process.exit(await runCli(process.argv.slice(2), context, processServeDeps));
} catch (error) {
  console.error(error);
  process.exit(1);
}
