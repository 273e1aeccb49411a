import { readFileSync } from 'node:fs';
import { configReference } from '../config/index.js';

/** package.json sits two levels up from both src/cli/ and dist/cli/. */
export function version(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(packageJson.version);
}

export function mainHelp(): string {
  return `livetape ${version()} — live-streaming server: RTMP in, live playback, recording, replay

Usage:
  livetape [serve] [options]      run the server (the default command)
  livetape push-url <stream> ...  print a signed RTMP push URL for a stream
  livetape reset-admin-password   store and print a new web console password
  livetape <command> --help       options of a command
  livetape --version

Configuration comes from flags, LIVETAPE_* environment variables and a YAML/JSON file
(--config or LIVETAPE_CONFIG), in that order of precedence; see \`livetape serve --help\`.
`;
}

function configOptionLines(): string {
  return configReference()
    .map((entry) => {
      const shownDefault = entry.default === '' ? "''" : entry.default;
      return `  ${entry.flag} <value>\n      ${entry.description.replaceAll('`', '')}\n      Accepts ${entry.accepts}; default ${shownDefault}; env ${entry.env}.`;
    })
    .join('\n');
}

export function serveHelp(): string {
  return `Usage: livetape serve [options]

Runs the RTMP and HTTP servers until SIGTERM or SIGINT (a second signal exits at once).

Options:
  --config <file>
      YAML (.yaml/.yml) or JSON (.json) config file; env LIVETAPE_CONFIG.
${configOptionLines()}
`;
}

export function pushUrlHelp(): string {
  return `Usage: livetape push-url <stream> [options]

Prints an RTMP push URL for <stream>, signed with the primary PUSH_KEY (txSecret/txTime), with the
matching OBS "Server" and "Stream key" values and an ffmpeg command line.

Options:
  --app <name>              application (default: live)
  --expires <duration>      how long the URL admits a new push: 24h, 90m, 3600s or seconds (default: 24h);
                            a push that started in time is not cut when the URL expires
  --record <formats>        record this push: flv, mp4, hls, aac, joined by | or ,
  --record-interval <s>     seconds per FLV/MP4 file (clamped by the server to RECORD_INTERVAL_MIN–MAX)
  --record-type <type>      audio or video
  --record-name <name>      custom file name for the recordings
  --host <host[:port]>      host the encoder dials (default: PUBLIC_URL's host, else HOST; port RTMP_PORT)
  --config <file>           config file holding PUSH_KEY; any serve option is accepted too, e.g. --push-key
`;
}

export function resetAdminPasswordHelp(): string {
  return `Usage: livetape reset-admin-password [options]

Generates a new password for the web console (/console), stores only its hash in the catalog of the
given configuration, and prints it. Works while the server is stopped or running: a running server
checks it from the next login on, and browsers logged in with the old password are logged out.
Not for a server whose ADMIN_PASSWORD is set: change that setting instead.

Options:
  --config <file>           the server's config file (to find its catalog); any serve option is accepted
                            too, e.g. --data-dir or --database-url
`;
}
