import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/child-server.js';
import { waitFor } from '../../test/helpers/process.js';
import { ensureDebianPackage, spawnNginx, untilNginxAnswers } from './nginx-process.js';
import type { ServerChild } from './server-child.js';

const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

function nginxConf(dir: string, rtmpPort: number, httpPort: number, record: boolean): string {
  // Workers run as root when we are root, so they can write the temporary record folder.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  const recording = record ? `record all; record_path ${dir}/record; record_unique off;` : 'record off;';
  return `load_module ${RTMP_MODULE};
${user}worker_processes 1;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
rtmp {
  server {
    listen 127.0.0.1:${rtmpPort};
    chunk_size 4096;
    application live {
      live on;
      ${recording}
    }
  }
}
http {
  access_log off;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  server {
    listen 127.0.0.1:${httpPort};
    location /stat { rtmp_stat all; }
  }
}
`;
}

/**
 * nginx with nginx-rtmp (one worker), live and (by default) recording every stream to FLV: the reference
 * the benchmark compares against. It has no HTTP-FLV output, so ingest alone and ingest + recording are
 * what compares.
 */
export class NginxRtmpServer {
  readonly name = 'nginx-rtmp';

  private constructor(
    readonly child: ServerChild,
    private readonly dir: string,
    private readonly rtmpPort: number,
    private readonly httpPort: number,
  ) {}

  static async start(dir: string, { record = true }: { record?: boolean } = {}): Promise<NginxRtmpServer> {
    await ensureDebianPackage('libnginx-mod-rtmp', () => existsSync(RTMP_MODULE));
    await mkdir(join(dir, 'record'), { recursive: true });
    await mkdir(join(dir, 'tmp'), { recursive: true });
    const rtmpPort = await freePort();
    const httpPort = await freePort();
    const child = await spawnNginx(dir, nginxConf(dir, rtmpPort, httpPort, record));
    const server = new NginxRtmpServer(child, dir, rtmpPort, httpPort);
    await untilNginxAnswers(child, () => server.stat(), 'nginx to answer /stat');
    return server;
  }

  get pid(): number {
    return this.child.pid;
  }

  rtmpUrl(stream: string): string {
    return `rtmp://127.0.0.1:${this.rtmpPort}/live/${stream}`;
  }

  recordedFile(stream: string): string {
    return join(this.dir, 'record', `${stream}.flv`);
  }

  /** Resolves once no stream is left, i.e. every recording has been closed. */
  async waitUntilIdle(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      async () => (/<stream>/.test(await this.stat()) ? undefined : true),
      timeoutMs,
      'nginx-rtmp to close its streams',
    );
  }

  /** nginx-rtmp's XML statistics page. */
  get statUrl(): string {
    return `http://127.0.0.1:${this.httpPort}/stat`;
  }

  private async stat(): Promise<string> {
    const res = await fetch(this.statUrl);
    if (!res.ok) throw new Error(`nginx /stat answered ${res.status}`);
    return res.text();
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
