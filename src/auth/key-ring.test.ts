import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memorySettings } from '../../test/helpers/memory-settings.js';
import { KeyRing, MAX_KEYS, newKey, rotatedKeys } from './key-ring.js';

const CONFIG = { push: ['push-config'], play: [] };

describe('KeyRing', () => {
  it('uses the configured keys until an override is stored', async () => {
    const ring = await KeyRing.load(memorySettings(), CONFIG);
    expect(ring.view('push')).toEqual({ keys: ['push-config'], source: 'config' });
    expect(ring.view('play')).toEqual({ keys: [], source: 'config' });
  });

  it('stores overrides per kind, and null returns a kind to configuration', async () => {
    const store = memorySettings();
    const ring = await KeyRing.load(store, CONFIG);
    await ring.update({ play: ['play-key-1'] });
    expect(ring.view('play')).toEqual({ keys: ['play-key-1'], source: 'settings' });
    expect(ring.view('push').source).toBe('config');
    await ring.update({ push: [] });
    expect(ring.view('push')).toEqual({ keys: [], source: 'settings' });
    expect(ring.keys('play')).toEqual(['play-key-1']);
    await ring.update({ push: null });
    expect(ring.view('push')).toEqual({ keys: ['push-config'], source: 'config' });
    // A second ring on the same store (another node, or a restart) sees the same keys.
    const other = await KeyRing.load(store, CONFIG);
    expect(other.view('play')).toEqual({ keys: ['play-key-1'], source: 'settings' });
    expect(other.view('push').source).toBe('config');
  });

  it('rotates: a fresh 32-hex primary, the old primary first backup, at most four keys', async () => {
    const ring = await KeyRing.load(memorySettings(), { push: ['k1', 'k2', 'k3', 'k4'], play: [] });
    const rotated = await ring.rotate('push');
    expect(rotated.source).toBe('settings');
    expect(rotated.keys).toHaveLength(MAX_KEYS);
    expect(rotated.keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(rotated.keys.slice(1)).toEqual(['k1', 'k2', 'k3']);
    const again = await ring.rotate('push');
    expect(again.keys.slice(1)).toEqual([rotated.keys[0], 'k1', 'k2']);
    // Rotating with authentication off turns it on with one key.
    expect((await ring.rotate('play')).keys).toHaveLength(1);
  });

  it('rotates from the keys another node stored meanwhile', async () => {
    const store = memorySettings();
    const here = await KeyRing.load(store, CONFIG);
    const there = await KeyRing.load(store, CONFIG);
    await there.update({ push: ['set-elsewhere'] });
    const rotated = await here.rotate('push');
    expect(rotated.keys.slice(1)).toEqual(['set-elsewhere']);
  });

  it('picks up another node’s change on refresh', async () => {
    const store = memorySettings();
    const here = await KeyRing.load(store, CONFIG);
    const there = await KeyRing.load(store, CONFIG);
    await there.update({ play: ['play-elsewhere'] });
    expect(here.keys('play')).toEqual([]);
    await here.refresh();
    expect(here.keys('play')).toEqual(['play-elsewhere']);
  });

  it('a refresh that read before a write does not undo the write', async () => {
    const store = memorySettings();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ring = await KeyRing.load(store, CONFIG);
    const slowGet = store.get.bind(store);
    store.get = async <T>(key: string) => {
      const value = await slowGet<T>(key);
      await gate;
      return value;
    };
    const refreshing = ring.refresh();
    store.get = slowGet;
    await ring.update({ push: ['written'] });
    release();
    await refreshing;
    expect(ring.keys('push')).toEqual(['written']);
  });

  it('loads whatever JSON the settings row holds without throwing, keeping only lists of keys', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (stored) => {
        const ring = await KeyRing.load(memorySettings({ keys: stored }), CONFIG);
        for (const kind of ['push', 'play'] as const) {
          const { keys, source } = ring.view(kind);
          expect(keys.every((key) => typeof key === 'string' && key !== '')).toBe(true);
          if (source === 'config') expect(keys).toEqual(CONFIG[kind]);
        }
      }),
    );
  });

  it('ignores a stored kind that is not a list of keys', async () => {
    const ring = await KeyRing.load(memorySettings({ keys: { push: 'oops', play: ['', 'x'] } }), CONFIG);
    expect(ring.view('push')).toEqual({ keys: ['push-config'], source: 'config' });
    expect(ring.view('play').source).toBe('config');
  });
});

describe('rotatedKeys / newKey', () => {
  it('puts the fresh key first, never twice, and keeps at most four', () => {
    expect(rotatedKeys([], 'n')).toEqual(['n']);
    expect(rotatedKeys(['a', 'n', 'b'], 'n')).toEqual(['n', 'a', 'b']);
    expect(rotatedKeys(['a', 'b', 'c', 'd', 'e'], 'n')).toEqual(['n', 'a', 'b', 'c']);
  });

  it('makes distinct 32-hex keys', () => {
    const keys = new Set(Array.from({ length: 100 }, newKey));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{32}$/);
  });
});
