import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventType } from './payloads.js';
import {
  applyOverrides,
  type CallbackSettings,
  keySource,
  mergePatch,
  retryDelayMs,
  settingsFromConfig,
  urlFor,
} from './settings.js';

const config = {
  callbackUrl: 'http://all.example/cb',
  callbackUrlPush: '',
  callbackUrlUnpush: 'http://unpush.example/cb',
  callbackUrlRecord: '',
  callbackUrlSnapshot: '',
  callbackUrlRecordStatus: '',
  callbackKey: [] as string[],
  callbackStrict: false,
  callbackTimeout: 20,
  callbackRetryInterval: 60,
  callbackRetryCount: 12,
  callbackBackoff: 'fixed' as const,
};

describe('callback settings', () => {
  it('derive from configuration, the key never falling back to API_KEY', () => {
    const settings = settingsFromConfig(config);
    expect(settings.key).toBe('');
    expect(keySource(config, {})).toBe('none');
    expect(settingsFromConfig({ ...config, callbackKey: ['cb'] }).key).toBe('cb');
    expect(keySource({ ...config, callbackKey: ['cb'] }, {})).toBe('CALLBACK_KEY');
    expect(keySource(config, { key: 'stored' })).toBe('settings');
  });

  it('send each event to its own URL, else to CALLBACK_URL', () => {
    const { urls } = settingsFromConfig(config);
    expect(urlFor(urls, EventType.pushStarted)).toBe('http://all.example/cb');
    expect(urlFor(urls, EventType.pushEnded)).toBe('http://unpush.example/cb');
    expect(urlFor(urls, EventType.recordingFile)).toBe('http://all.example/cb');
    expect(urlFor({ ...urls, all: '' }, EventType.recordingFile)).toBe('');
  });

  it('apply stored overrides field by field; null in a patch drops the override', () => {
    const base = settingsFromConfig(config);
    let stored = mergePatch(
      {},
      { urls: { record: 'http://rec.example/' }, retry: { count: 3 }, strict: true },
    );
    expect(applyOverrides(base, stored)).toMatchObject({
      urls: { all: 'http://all.example/cb', record: 'http://rec.example/' },
      strict: true,
      retry: { intervalSec: 60, count: 3, backoff: 'fixed' },
    });
    stored = mergePatch(stored, { retry: { count: null }, strict: null, key: 'k2' });
    expect(stored).toEqual({ urls: { record: 'http://rec.example/' }, key: 'k2' });
    expect(applyOverrides(base, stored)).toMatchObject({ key: 'k2', strict: false, retry: { count: 12 } });
  });

  it('merging patches equals applying them one after the other, whatever the patches', () => {
    const value = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.option(arb, { nil: null }), { nil: undefined });
    const url = fc.constantFrom('', 'http://a.example/', 'https://b.example:8443/cb');
    const patch = fc.record(
      {
        urls: fc.option(fc.record({ all: value(url), record: value(url) }, { requiredKeys: [] }), {
          nil: undefined,
        }),
        key: value(fc.string()),
        strict: value(fc.boolean()),
        retry: fc.option(fc.record({ count: value(fc.nat(1000)) }, { requiredKeys: [] }), { nil: undefined }),
      },
      { requiredKeys: [] },
    );
    const base: CallbackSettings = settingsFromConfig(config);
    fc.assert(
      fc.property(fc.array(patch, { maxLength: 5 }), (patches) => {
        let stored = {};
        let expected: CallbackSettings = base;
        for (const p of patches) {
          stored = mergePatch(stored, p);
          const set = <T>(current: T, next: T | null | undefined, fallback: T) =>
            next === null ? fallback : next === undefined ? current : next;
          expected = {
            ...expected,
            key: set(expected.key, p.key, base.key) || base.key,
            strict: set(expected.strict, p.strict, base.strict),
            urls: {
              ...expected.urls,
              all: set(expected.urls.all, p.urls?.all, base.urls.all),
              record: set(expected.urls.record, p.urls?.record, base.urls.record),
            },
            retry: { ...expected.retry, count: set(expected.retry.count, p.retry?.count, base.retry.count) },
          };
        }
        expect(applyOverrides(base, stored)).toEqual(expected);
        // What is stored round-trips through JSON (the settings table keeps JSON text).
        expect(JSON.parse(JSON.stringify(stored))).toEqual(stored);
      }),
    );
  });

  it('retry delays: fixed, or doubling up to an hour', () => {
    expect([1, 2, 5].map((n) => retryDelayMs({ intervalSec: 60, count: 12, backoff: 'fixed' }, n))).toEqual([
      60_000, 60_000, 60_000,
    ]);
    const exponential = { intervalSec: 0.5, count: 12, backoff: 'exponential' as const };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(exponential, n))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelayMs(exponential, 1000)).toBe(3_600_000);
  });
});
