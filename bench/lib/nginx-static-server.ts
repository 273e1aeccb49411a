import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/child-server.js';
import { run } from '../../test/helpers/process.js';
import { ensureDebianPackage, spawnNginx, untilNginxAnswers } from './nginx-process.js';
import type { ServerChild } from './server-child.js';

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
    await ensureDebianPackage('nginx', async () => (await run('sh', ['-c', 'command -v nginx'])).code === 0);
    await mkdir(join(dir, 'tmp'), { recursive: true });
    const port = await freePort();
    const child = await spawnNginx(dir, nginxConf(dir, root, port));
    const server = new NginxStaticServer(child, port);
    await untilNginxAnswers(child, () => fetch(server.httpUrl('/')), 'nginx to answer');
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
