import { buildPushUrl } from '../auth/push-url.js';
import { type Config, publicBaseUrl, publicHost } from '../config/index.js';

export interface BannerFacts {
  readonly config: Config;
  readonly rtmpPort: number;
  readonly httpPort: number;
  readonly version: string;
  readonly nowSeconds: number;
}

/** Short, because the banner may end up in logs: enough to try one push, not a reusable credential. */
const EXAMPLE_LIFETIME_SECONDS = 3600;
const EXAMPLE_STREAM = 'test';

/** What an operator needs to try the server right after it starts. */
export function renderBanner({ config, rtmpPort, httpPort, version, nowSeconds }: BannerFacts): string {
  const rtmpBase = `rtmp://${publicHost(config)}:${rtmpPort}`;
  const httpBase = publicBaseUrl(config, httpPort);
  const primaryKey = config.pushKey[0];
  const push =
    primaryKey === undefined
      ? [
          `  Push (RTMP)  ${rtmpBase}/live/<stream>`,
          '               push authentication is off (PUSH_KEY is empty)',
        ]
      : [
          `  Push (RTMP)  ${rtmpBase}/live/<stream>?txSecret=…&txTime=…`,
          `               e.g. ${buildPushUrl({ baseRtmpUrl: rtmpBase, app: 'live', stream: EXAMPLE_STREAM, key: primaryKey, expiresInSeconds: EXAMPLE_LIFETIME_SECONDS, nowSeconds }).url}`,
          `               (stream "${EXAMPLE_STREAM}", valid 1 h); sign others with: livetape push-url <stream>`,
        ];
  return [
    `LiveTape ${version} is running`,
    ...push,
    `  HTTP         ${httpBase}`,
    `  Live play    ${httpBase}/live/{app}/{stream}.flv  (HLS: .m3u8)`,
    `  API          ${httpBase}/api/v1/streams  ${httpBase}/api/v1/recordings`,
    '',
  ].join('\n');
}
