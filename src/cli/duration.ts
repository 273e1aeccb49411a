import { UsageError } from './context.js';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** `24h`, `90m`, `3600s`, `2d` or plain seconds → seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[(match[2] || 's') as keyof typeof UNIT_SECONDS] : 0;
  if (seconds <= 0) {
    throw new UsageError(`--expires=${text}: expected a positive duration such as 24h, 90m, 3600s or 3600`);
  }
  return seconds;
}

/** The inverse for messages: the largest unit that divides evenly, so `86400` reads `24h`. */
export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
