import type { Config } from './schema.js';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The host clients should dial, for URLs we print or send: PUBLIC_URL's host when set, else HOST, where
 * a wildcard bind address becomes `localhost` (right for a first local try; set PUBLIC_URL for the rest).
 */
export function publicHost(config: Pick<Config, 'host' | 'publicUrl'>): string {
  if (config.publicUrl !== '') return new URL(config.publicUrl).hostname;
  if (WILDCARD_HOSTS.has(config.host)) return 'localhost';
  return config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
}

/** PUBLIC_URL, or `http://<public host>:<port>` when it is left empty; never ends with a slash. */
export function publicBaseUrl(config: Pick<Config, 'host' | 'publicUrl'>, httpPort: number): string {
  return config.publicUrl !== '' ? config.publicUrl : `http://${publicHost(config)}:${httpPort}`;
}
