import { type ClientRequest, get } from 'node:http';
import { FlvTagCounter } from './flv-tag-counter.js';

/**
 * A live HTTP-FLV viewer that only counts what it receives: enough to tell frame loss, cheap enough that
 * a hundred of them share the load generator's process with the pushers.
 */
export class HttpFlvPlayer {
  readonly counter = new FlvTagCounter();
  /** Why the stream stopped early, if it did. */
  failure: string | undefined;
  private request: ClientRequest | undefined;

  private constructor(readonly url: string) {}

  /** Resolves once the server answered 200 and the FLV body began. */
  static open(url: string): Promise<HttpFlvPlayer> {
    const player = new HttpFlvPlayer(url);
    return new Promise((resolve, reject) => {
      player.request = get(url, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`GET ${url} answered ${res.statusCode}`));
          return;
        }
        res.on('data', (chunk: Buffer) => {
          try {
            player.counter.push(chunk);
          } catch (error) {
            player.failure = (error as Error).message;
            res.destroy();
          }
        });
        res.on('end', () => {
          player.failure ??= 'the server ended the response';
        });
        resolve(player);
      });
      player.request.on('error', (error) => {
        player.failure ??= error.message;
        reject(error);
      });
    });
  }

  close(): void {
    this.request?.destroy();
  }
}
