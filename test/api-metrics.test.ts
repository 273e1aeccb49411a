/**
 * `/metrics` from a real server around a real push that records one FLV file: the exposition parses
 * line by line per the Prometheus text format, the live gauges see the push, and the counters count
 * the recorded file and its bytes exactly as cataloged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (\\S+)(?: -?\\d+)?$`);
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Parses the text exposition format strictly: any line it cannot read fails the test. */
function parseExposition(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(TYPES.has(meta[3]!), line).toBe(true);
        expect(types.has(meta[2]!), `second TYPE for ${meta[2]}`).toBe(false);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    expect(m, `unparseable line: ${line}`).not.toBeNull();
    const [, name, labelText = '', valueText] = m!;
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    expect(Number.isNaN(value) && valueText !== 'NaN', line).toBe(false);
    const family = [...types.keys()].find(
      (f) => name === f || (/_(bucket|sum|count|total|created)$/.test(name!) && name!.startsWith(f)),
    );
    expect(family, `sample before its TYPE: ${line}`).toBeDefined();
    const labels = Object.fromEntries(
      [...labelText.matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]),
    );
    samples.push({ name: name!, labels, value });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}

describe('GET /metrics around a recorded push', () => {
  let t: TestServer;
  const scrape = async () => {
    const res = await fetch(t.httpUrl('/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  };

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('starts with process metrics and zero counts', async () => {
    const samples = await scrape();
    expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(value(samples, 'livetape_live_streams')).toBe(0);
    expect(value(samples, 'livetape_publishes_total')).toBe(0);
  });

  it('sees the live push, then counts the recorded file and its bytes', async () => {
    const push = run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'metered', 'record=flv'), { seconds: 3 }));
    const live = await waitFor(
      async () => {
        const samples = await scrape();
        return value(samples, 'livetape_live_streams') === 1 ? samples : undefined;
      },
      10_000,
      'the push to show in the metrics',
    );
    expect(value(live, 'livetape_recording_streams')).toBe(1);
    expect(value(live, 'livetape_publishes_total')).toBe(1);
    expect((await push).stderr).toBe('');

    const [file] = await waitFor(
      async () => {
        const res = await fetch(t.httpUrl('/api/v1/recordings?stream=metered'));
        const { recordings } = (await res.json()) as {
          recordings: Array<{ sizeBytes: number; reason: string }>;
        };
        return recordings.length === 1 && t.server.recordings.activeCount === 0 ? recordings : undefined;
      },
      15_000,
      'the recording to be cataloged',
    );
    expect(file!.reason).toBe('unpublish');

    const after = await scrape();
    expect(value(after, 'livetape_live_streams')).toBe(0);
    expect(value(after, 'livetape_recording_streams')).toBe(0);
    expect(value(after, 'livetape_recording_files_total', { format: 'flv', reason: 'unpublish' })).toBe(1);
    expect(value(after, 'livetape_recording_bytes_total', { format: 'flv' })).toBe(file!.sizeBytes);
    expect(file!.sizeBytes).toBeGreaterThan(10_000);
    const ended = after.filter((s) => s.name === 'livetape_publishes_ended_total');
    expect(ended.reduce((sum, s) => sum + s.value, 0)).toBe(1);
    expect(value(after, 'livetape_protocol_errors_total')).toBe(0);
  });
});
