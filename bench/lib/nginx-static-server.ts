import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/child-server.js';
import { run, waitFor } from '../../test/helpers/process.js';
import { ServerChild } from './server-child.js';

/** Debian's nginx serves static files; install it when it is missing and we may. */
async function ensureNginx(): Promise<void> {
  if ((await run('sh', ['-c', 'command -v nginx'])).code === 0) return;
  if (process.getuid?.() !== 0) throw new Error('nginx is missing: apt-get install nginx-light (or nginx)');
  process.stderr.write('installing nginx…\n');
  const result = await run('apt-get', ['install', '-y', '--no-install-recommends', 'nginx'], {
    timeoutMs: 300_000,
  });
  if (result.code !== 0) throw new Error(`apt-get install nginx failed:\n${result.stderr}`);
}

/**
 * One nginx worker serving `root` at `/vod/` with sendfile: the reference a static file server reaches.
 * Default Debian settings otherwise; no access log, as LiveTape writes none per request either.
 */
function nginxConf(dir: string, root: string, port: number): string {
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `${user}worker_processes 1;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  types { video/mp4 mp4; }
  server {
    listen 127.0.0.1:${port};
    location /vod/ { alias ${root}/; }
  }
}
`;
}

export class NginxStaticServer {
  readonly name = 'nginx';

  private constructor(
    readonly child: ServerChild,
    private readonly port: number,
  ) {}

  static async start(dir: string, root: string): Promise<NginxStaticServer> {
    await ensureNginx();
    await mkdir(join(dir, 'tmp'), { recursive: true });
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    await writeFile(conf, nginxConf(dir, root, port));
    const child = ServerChild.spawn('nginx', [
      '-p',
      dir,
      '-c',
      conf,
      '-e',
      join(dir, 'error.log'),
      '-g',
      'daemon off;',
    ]);
    const server = new NginxStaticServer(child, port);
    await waitFor(
      async () => {
        if (!child.running) throw new Error(`nginx exited early:\n${child.output}`);
        return (
          (await fetch(server.httpUrl('/')).then(
            () => true,
            () => false,
          )) || undefined
        );
      },
      30_000,
      'nginx to answer',
    );
    return server;
  }

  get pid(): number {
    return this.child.pid;
  }

  httpUrl(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
