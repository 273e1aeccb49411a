/**
 * A throw-away PostgreSQL cluster for tests: initdb into a temp dir, start on a free loopback port,
 * create one database. Needs the server binaries (Debian's `postgresql` package); without them
 * `startPostgres` returns undefined and suites skip. As root the cluster runs as the `postgres` user,
 * because PostgreSQL refuses to run as root.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { run } from './process.js';

const POSTGRES_ROOT = '/usr/lib/postgresql';
const DATABASE = 'livetape_test';

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/livetape_test`, superuser, no password. */
  url: string;
  /** A new empty database in the same cluster, for tests that need a clean schema; returns its URL. */
  newDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** The newest installed server's bin dir, or undefined if there is none. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((version) => existsSync(join(POSTGRES_ROOT, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(POSTGRES_ROOT, versions[0], 'bin');
}

export async function startPostgres(): Promise<TestPostgres | undefined> {
  const bin = postgresBinDir();
  if (bin === undefined) return undefined;
  const root = await mkdtemp(join(tmpdir(), 'livetape-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chown(root, ...postgresUser());
  const pgData = join(root, 'data');
  const port = await freePort();
  const pgctl = (...args: string[]) => runAsOwner(asRoot, join(bin, 'pg_ctl'), ['-D', pgData, ...args]);

  const stopCluster = () =>
    spawnSync(...ownerCommand(asRoot, join(bin, 'pg_ctl'), ['-D', pgData, '-m', 'immediate', 'stop']));
  // A worker that dies without running its afterAll must not leave a server behind.
  process.once('exit', stopCluster);
  const stop = async () => {
    process.removeListener('exit', stopCluster);
    if (existsSync(join(pgData, 'postmaster.pid'))) await pgctl('-m', 'immediate', '-w', 'stop');
    await rm(root, { recursive: true, force: true });
  };

  try {
    await runAsOwner(asRoot, join(bin, 'initdb'), [
      '-D',
      pgData,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    const serverOptions = [
      `-p ${port}`,
      `-k ${root}`,
      '-c listen_addresses=127.0.0.1',
      // Durability is worthless for a throw-away cluster; these make it start and commit fast.
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ].join(' ');
    await pgctl('-o', serverOptions, '-l', join(root, 'server.log'), '-w', 'start');
    await runAsOwner(asRoot, join(bin, 'createdb'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'postgres',
      DATABASE,
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/${DATABASE}`;
  let databases = 0;
  const newDatabase = async () => {
    const name = `${DATABASE}_${++databases}`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`create database ${name}`);
    } finally {
      await client.end();
    }
    return url.replace(/[^/]+$/, name);
  };
  return { url, newDatabase, stop };
}

function ownerCommand(asRoot: boolean, command: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

async function runAsOwner(asRoot: boolean, command: string, args: string[]): Promise<void> {
  const result = await run(...ownerCommand(asRoot, command, args), { timeoutMs: 30_000 });
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
}

function postgresUser(): [uid: number, gid: number] {
  const id = (flag: string) => {
    const result = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error('running as root needs a `postgres` system user to own the cluster');
    return Number(result.stdout.trim());
  };
  return [id('-u'), id('-g')];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
