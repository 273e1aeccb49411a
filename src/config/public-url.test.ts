import { describe, expect, it } from 'vitest';
import { publicBaseUrl, publicHost } from './public-url.js';

describe('publicHost / publicBaseUrl', () => {
  it.each([
    [{ host: '0.0.0.0', publicUrl: '' }, 'localhost', 'http://localhost:8080'],
    [{ host: '::', publicUrl: '' }, 'localhost', 'http://localhost:8080'],
    [{ host: '192.0.2.7', publicUrl: '' }, '192.0.2.7', 'http://192.0.2.7:8080'],
    [{ host: 'fe80::1', publicUrl: '' }, '[fe80::1]', 'http://[fe80::1]:8080'],
    [
      { host: '0.0.0.0', publicUrl: 'https://tv.example.com/live' },
      'tv.example.com',
      'https://tv.example.com/live',
    ],
  ])('%j → %s, %s', (config, host, base) => {
    expect(publicHost(config)).toBe(host);
    expect(publicBaseUrl(config, 8080)).toBe(base);
  });
});
