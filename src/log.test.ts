import { describe, expect, it } from 'vitest';
import { createLogger, formatPlainLine } from './log.js';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe('createLogger', () => {
  it('writes one JSON object per line, at or above the level', () => {
    const { lines, destination } = capture();
    const log = createLogger('info', { pretty: false, destination });
    log.debug('hidden');
    log.info({ stream: 'live/s1' }, 'publish started');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, msg: 'publish started', stream: 'live/s1' });
  });

  it('never logs a secret config key (keys, tokens, passwords, database URL), nor a txSecret', () => {
    const { lines, destination } = capture();
    const log = createLogger('info', { pretty: false, destination });
    log.info(
      {
        config: {
          pushKey: ['primary-secret'],
          playKey: ['play-secret'],
          adminPassword: 'admin-secret',
          apiTokens: ['token-secret'],
          apiKey: ['api-secret'],
          callbackKey: ['callback-secret'],
          databaseUrl: 'postgres://u:db-secret@h/d',
        },
        query: { txSecret: 'abc' },
      },
      'x',
    );
    expect(lines[0]).not.toMatch(/-secret|abc/);
    expect(JSON.parse(lines[0]!).config.pushKey).toBe('[redacted]');
  });

  it('writes readable lines when pretty, with the stack of a logged error', () => {
    const { lines, destination } = capture();
    const log = createLogger('info', { pretty: true, destination });
    log.warn({ app: 'live', viewers: 3, title: 'two words' }, 'slow player');
    log.error({ err: new Error('boom') }, 'failed');
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}slow player app=live viewers=3 title="two words"\n$/,
    );
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR failed\n {4}Error: boom\n {8}at /);
  });
});

describe('formatPlainLine', () => {
  it('keeps an error that has no stack as a field', () => {
    const line = formatPlainLine(JSON.stringify({ time: 0, level: 50, msg: 'm', err: { message: 'x' } }));
    expect(line).toContain('err={"message":"x"}');
  });
});
