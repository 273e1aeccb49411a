import { describe, expect, it } from 'vitest';
import { signTxSecret } from '../auth/tx-secret.js';
import { loadConfig } from '../config/index.js';
import { renderBanner } from './banner.js';

const config = loadConfig({ argv: [], env: {}, cwd: '/tmp' });
const facts = {
  config,
  rtmpPort: 1935,
  httpPort: 8080,
  version: '1.2.3',
  nowSeconds: 1_800_000_000,
  pushKeys: [],
};

describe('renderBanner', () => {
  it('prints the console URL first', () => {
    const lines = renderBanner(facts).split('\n');
    expect(lines[1]).toBe('  Console      http://localhost:8080/console');
    expect(lines.join('\n')).not.toContain('Password');
  });

  it('prints a password generated on this start, saying it is shown once and how to replace it', () => {
    const banner = renderBanner({ ...facts, generatedAdminPassword: 'Zx9_generated-password-1' });
    expect(banner).toContain('  Password     Zx9_generated-password-1\n');
    expect(banner).toContain('it is not shown again (new one: livetape reset-admin-password)');
  });

  it('says to set PUBLIC_URL while the URLs it hands out are derived', () => {
    expect(renderBanner(facts)).toContain('use localhost: set PUBLIC_URL');
    const configured = loadConfig({
      argv: [],
      env: { LIVETAPE_PUBLIC_URL: 'http://tv.example' },
      cwd: '/tmp',
    });
    expect(renderBanner({ ...facts, config: configured })).not.toContain('PUBLIC_URL');
  });

  it('signs its example push URL with the push key in force, not necessarily the configured one', () => {
    const banner = renderBanner({ ...facts, pushKeys: ['rotated-in-console', 'old'] });
    const url = /e\.g\. (rtmp:\S+)/.exec(banner)![1]!;
    const txTime = new URL(url.replace('rtmp:', 'http:')).searchParams.get('txTime')!;
    expect(url).toContain(`txSecret=${signTxSecret('rotated-in-console', 'test', txTime)}`);
    expect(renderBanner(facts)).toContain('push authentication is OFF');
  });
});
