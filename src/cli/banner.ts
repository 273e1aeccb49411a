import { buildPushUrl } from '../auth/push-url.js';
import { type Config, publicBaseUrl, publicHost } from '../config/index.js';

export interface BannerFacts {
  readonly config: Config;
  readonly rtmpPort: number;
  readonly httpPort: number;
  readonly version: string;
  readonly nowSeconds: number;
  /** The push keys in force (set in the console they override PUSH_KEY), primary first. */
  readonly pushKeys: readonly string[];
  /** The console password generated on this start: printed this once, never again. */
  readonly generatedAdminPassword?: string | undefined;
  /** Whether live snapshots are taken, and if not why (absent: not said). */
  readonly snapshots?: { readonly enabled: boolean; readonly reason?: string };
}

/** Short, because the banner may end up in logs: enough to try one push, not a reusable credential. */
const EXAMPLE_LIFETIME_SECONDS = 3600;
const EXAMPLE_STREAM = 'test';

/** What an operator needs to try the server right after it starts. */
export function renderBanner({
  config,
  rtmpPort,
  httpPort,
  version,
  nowSeconds,
  pushKeys,
  generatedAdminPassword,
  snapshots,
}: BannerFacts): string {
  const rtmpBase = `rtmp://${publicHost(config)}:${rtmpPort}`;
  const httpBase = publicBaseUrl(config, httpPort);
  const primaryKey = pushKeys[0];
  const push =
    primaryKey === undefined
      ? [
          `  Push (RTMP)  ${rtmpBase}/live/<stream>`,
          '  WARNING      push authentication is OFF: anyone who reaches the RTMP port can broadcast, and',
          '               /watch shows it publicly. Set PUSH_KEY, or a key in the console (Settings → Keys).',
        ]
      : [
          `  Push (RTMP)  ${rtmpBase}/live/<stream>?txSecret=…&txTime=…`,
          `               e.g. ${buildPushUrl({ baseRtmpUrl: rtmpBase, app: 'live', stream: EXAMPLE_STREAM, key: primaryKey, expiresInSeconds: EXAMPLE_LIFETIME_SECONDS, nowSeconds }).url}`,
          `               (stream "${EXAMPLE_STREAM}", valid 1 h); sign others with: livetape push-url <stream>`,
        ];
  const password =
    generatedAdminPassword === undefined
      ? []
      : [
          `  Password     ${generatedAdminPassword}`,
          '               generated now: store it; it is not shown again (new one: livetape reset-admin-password)',
        ];
  return [
    `LiveTape ${version} is running`,
    `  Console      ${httpBase}/console`,
    ...password,
    ...push,
    `  HTTP         ${httpBase}`,
    `  Live play    ${httpBase}/live/{app}/{stream}.flv  (HLS: .m3u8)`,
    `  API          ${httpBase}/api/v1/streams  ${httpBase}/api/v1/recordings`,
    ...(snapshots === undefined
      ? []
      : [
          snapshots.enabled
            ? `  Snapshots    every ${config.snapshotInterval} s per live stream`
            : `  Snapshots    off: ${snapshots.reason ?? 'not configured'}`,
        ]),
    ...(config.publicUrl === ''
      ? [
          `  Note         the URLs above and in callbacks use ${new URL(httpBase).hostname}: set PUBLIC_URL to the address other machines reach this one at`,
        ]
      : []),
    '',
  ].join('\n');
}
