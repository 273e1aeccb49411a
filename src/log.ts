/**
 * Logging: pino JSON lines on stdout for machines; on a terminal, one plain readable line per record
 * instead (no pino-pretty dependency, the format below is all we need).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { CONFIG_FIELDS, CONFIG_KEYS } from './config/schema.js';

export type { Logger };

export interface LoggerOptions {
  /** Human-readable lines instead of JSON; defaults to whether stdout is a terminal. */
  readonly pretty?: boolean;
  /** Where lines go; defaults to stdout. */
  readonly destination?: DestinationStream;
}

/** Secrets never reach a log line, wherever a config object or a push query is logged. */
/** Every secret config key (ADMIN_PASSWORD, API_TOKENS, DATABASE_URL…) and URL signatures, wherever logged. */
const SECRET_NAMES = [...CONFIG_KEYS.filter((key) => CONFIG_FIELDS[key].secret), 'txSecret'];
const REDACTED_PATHS = SECRET_NAMES.flatMap((name) => [name, `*.${name}`]);

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      ...(pretty ? { base: undefined } : {}),
    },
    pretty ? plainLines(destination) : destination,
  );
}

const LEVEL_LABELS: Readonly<Record<number, string>> = pino.levels.labels;

/** `12:00:01.234 INFO  message key=value …`, with an error's stack on the lines below. */
export function formatPlainLine(json: string): string {
  const { time, level, msg, ...fields } = JSON.parse(json) as Record<string, unknown>;
  const stack = (fields.err as { stack?: unknown } | undefined)?.stack;
  if (typeof stack === 'string') delete fields.err;
  const clock = new Date(time as number).toTimeString().slice(0, 8);
  const millis = String((time as number) % 1000).padStart(3, '0');
  const label = (LEVEL_LABELS[level as number] ?? String(level)).toUpperCase().padEnd(5);
  const pairs = Object.entries(fields).map(([key, value]) => `${key}=${plainValue(value)}`);
  const head = [`${clock}.${millis}`, label, msg ?? '', ...pairs].filter((part) => part !== '').join(' ');
  return typeof stack !== 'string' ? `${head}\n` : `${head}\n${stack.replace(/^/gm, '    ')}\n`;
}

function plainValue(value: unknown): string {
  return typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

function plainLines(destination: DestinationStream): DestinationStream {
  return { write: (line: string) => destination.write(formatPlainLine(line)) };
}
