/**
 * Issue 11, item 7: the admin password generated on first start is shown once on the terminal banner and
 * never written into a log record; push authentication left off is said loudly (in the log too).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server.js';

describe('secrets and open defaults in the log', () => {
  it('never logs the generated admin password, and warns that push authentication is off', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((line) => line !== ''),
        );
        done();
      },
    });
    const t = await startTestServer({ LOG_LEVEL: 'trace' }, { logTo: sink });
    try {
      const password = t.server.generatedAdminPassword;
      expect(password).toBeTruthy();
      // A failed login with it, and a good one, must not log it either.
      for (const attempt of ['wrong', password!]) {
        await fetch(t.httpUrl('/api/v1/session'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ password: attempt }),
        });
      }
    } finally {
      await t.close();
    }
    const password = t.server.generatedAdminPassword!;
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.filter((line) => line.includes(password))).toEqual([]);
    expect(lines.some((line) => line.includes('admin password generated'))).toBe(true);
    expect(lines.some((line) => line.includes('push authentication is off'))).toBe(true);
  });
});
