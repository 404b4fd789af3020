import { describe, expect, it } from 'vitest';
import type { AppContext } from './context.js';
import { cachedRef, dropRef } from './refcache.js';

const ctx = () => ({}) as AppContext;

describe('cachedRef', () => {
  it('loads once for concurrent readers and serves the value until the TTL ends', async () => {
    const c = ctx();
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cachedRef(c, 'x', load, 50), cachedRef(c, 'x', load, 50)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    expect(await cachedRef(c, 'x', load, 50)).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(await cachedRef(c, 'x', load, 50)).toBe(2);
  });

  it('is per context and per name; dropRef forgets one name or all', async () => {
    const c1 = ctx();
    const c2 = ctx();
    let n = 0;
    const load = async () => ++n;
    expect(await cachedRef(c1, 'a', load)).toBe(1);
    expect(await cachedRef(c2, 'a', load)).toBe(2);
    expect(await cachedRef(c1, 'b', load)).toBe(3);
    dropRef(c1, 'a');
    expect(await cachedRef(c1, 'a', load)).toBe(4);
    expect(await cachedRef(c1, 'b', load)).toBe(3);
    dropRef(c1);
    expect(await cachedRef(c1, 'b', load)).toBe(5);
    expect(await cachedRef(c2, 'a', load)).toBe(2);
  });

  it('does not keep a failed load', async () => {
    const c = ctx();
    let fail = true;
    const load = async () => {
      if (fail) throw new Error('database down');
      return 'ok';
    };
    await expect(cachedRef(c, 'x', load)).rejects.toThrow('database down');
    fail = false;
    expect(await cachedRef(c, 'x', load)).toBe('ok');
  });

  it('lets a caller that must not wait on another load (inside a transaction) load for itself until a value is in', async () => {
    const c = ctx();
    let release!: (v: string) => void;
    const pending = cachedRef(c, 'x', () => new Promise<string>((r) => (release = r)));
    // joining would wait for the other load; this caller gets its own, which is not kept
    expect(await cachedRef(c, 'x', async () => 'own', undefined, { joinPending: false })).toBe('own');
    release('shared');
    expect(await pending).toBe('shared');
    // once the value is in, every caller gets it
    expect(await cachedRef(c, 'x', async () => 'own again', undefined, { joinPending: false })).toBe('shared');
    expect(await cachedRef(c, 'x', async () => 'other')).toBe('shared');
  });
});
