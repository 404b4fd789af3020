/// <reference lib="dom" />
/**
 * The grid worker's offline queue (web/src/pages/grid-work/offlineQueue.ts) under Node: the
 * browser's localStorage, window events, navigator.onLine and fetch are replaced by small fakes,
 * and a fake server that keeps records by idempotency key the way the real one does.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flush, pending, sendOrQueue, setPhotoStore, type LocalPhoto, type PhotoStore } from '../web/src/pages/grid-work/offlineQueue.ts';

class MemoryStorage {
  private m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, String(v));
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  clear() {
    this.m.clear();
  }
}

/** A server that records a visit once per idempotency key and stores uploaded files. */
class FakeServer {
  visits = new Map<string, { id: string; body: Record<string, unknown> }>();
  files: string[] = [];
  calls: Array<{ path: string; body: unknown }> = [];
  /** the network is down: fetch rejects before reaching the server */
  down = false;
  /** the server does the work but the answer never reaches the phone (this many times) */
  loseResponses = 0;
  /** answer with this status instead (a refusal) */
  refuse: number | null = null;
  /** requests wait for this before being answered */
  gate: Promise<void> = Promise.resolve();

  fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const path = String(input);
    if (this.down) throw new TypeError('Failed to fetch');
    await this.gate;
    let status = 201;
    let out: unknown;
    if (this.refuse) {
      status = this.refuse;
      out = { error: { code: 'invalid', message: '提交的数据有误' } };
      this.calls.push({ path, body: null });
    } else if (path === '/api/files') {
      const fd = init!.body as FormData;
      const ids = fd.getAll('file').map((_, i) => `file-${this.files.length + i + 1}`);
      this.files.push(...ids);
      this.calls.push({ path, body: ids.length });
      out = ids.map((id) => ({ id, url: `/api/files/${id}`, thumbUrl: null }));
    } else {
      const body = JSON.parse(String(init!.body)) as Record<string, unknown>;
      this.calls.push({ path, body });
      const key = String(body.idempotencyKey);
      const seen = this.visits.get(key);
      if (seen) {
        status = 200;
        out = { id: seen.id, created: false };
      } else {
        const v = { id: `visit-${this.visits.size + 1}`, body };
        this.visits.set(key, v);
        out = { id: v.id, created: true };
      }
    }
    if (this.loseResponses > 0) {
      this.loseResponses--;
      throw new TypeError('network connection lost');
    }
    return new Response(JSON.stringify(out), { status, headers: { 'Content-Type': 'application/json' } });
  };
  postsTo(path: string) {
    return this.calls.filter((c) => c.path === `/api${path}`).length;
  }
}

class MemoryPhotoStore implements PhotoStore {
  m = new Map<string, LocalPhoto[]>();
  failPut = false;
  async put(key: string, photos: LocalPhoto[]) {
    if (this.failPut) throw new Error('QuotaExceededError');
    this.m.set(key, photos);
  }
  async get(key: string) {
    return this.m.get(key) ?? null;
  }
  async delete(key: string) {
    this.m.delete(key);
  }
}

let server: FakeServer;
let photos: MemoryPhotoStore;
const net = { onLine: true };
let queueEvents = 0;

beforeEach(() => {
  server = new FakeServer();
  photos = new MemoryPhotoStore();
  setPhotoStore(photos);
  net.onLine = true;
  queueEvents = 0;
  const win = new EventTarget();
  win.addEventListener('og:gridwork-queue', () => queueEvents++);
  vi.stubGlobal('localStorage', new MemoryStorage());
  vi.stubGlobal('window', win);
  vi.stubGlobal('navigator', net);
  vi.stubGlobal('fetch', server.fetch);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const visit = (key: string, notes = '老人身体健康') => ({ key, kind: 'visit' as const, label: '走访', path: '/grid-work/visits', body: { residentId: 'r-1', notes, idempotencyKey: key } });
const photo = (name: string): LocalPhoto => ({ name, type: 'image/jpeg', blob: new Blob([new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3])], { type: 'image/jpeg' }) });

describe('offline queue', () => {
  it('keeps a visit made without signal on the phone and sends it once when the signal returns', async () => {
    net.onLine = false;
    const r = await sendOrQueue(visit('visit-a'));
    expect(r).toEqual({ sent: false });
    expect(server.calls).toHaveLength(0);
    expect(pending().map((p) => p.key)).toEqual(['visit-a']);
    expect(queueEvents).toBeGreaterThan(0);

    // still offline: a flush sends nothing and keeps the item
    expect(await flush()).toBe(0);
    expect(pending()).toHaveLength(1);

    net.onLine = true;
    const sent: string[] = [];
    expect(await flush({ onSent: (item) => sent.push(item.key) })).toBe(1);
    expect(sent).toEqual(['visit-a']);
    expect(pending()).toHaveLength(0);
    expect(server.visits.size).toBe(1);
    expect(server.visits.get('visit-a')!.body.notes).toBe('老人身体健康');

    // a second flush has nothing left to send
    expect(await flush()).toBe(0);
    expect(server.postsTo('/grid-work/visits')).toBe(1);
  });

  it('sends each queued item once when two flushes run at the same time', async () => {
    net.onLine = false;
    await sendOrQueue(visit('visit-1', '第一户'));
    await sendOrQueue(visit('visit-2', '第二户'));
    expect(pending()).toHaveLength(2);
    net.onLine = true;
    let open!: () => void;
    server.gate = new Promise<void>((resolve) => (open = resolve));
    const a = flush();
    const b = flush();
    const c = flush();
    open();
    const counts = await Promise.all([a, b, c]);
    // the later calls joined the running flush: one delivery of two items, reported to each caller
    expect(counts).toEqual([2, 2, 2]);
    expect(server.postsTo('/grid-work/visits')).toBe(2);
    expect([...server.visits.values()].map((v) => v.body.notes)).toEqual(['第一户', '第二户']);
    expect(pending()).toHaveLength(0);
  });

  it('retries after a lost response with the same key, and the server keeps one visit', async () => {
    net.onLine = false;
    await sendOrQueue(visit('visit-lost'));
    net.onLine = true;
    server.loseResponses = 1;
    expect(await flush()).toBe(0);
    // the server has it, the phone does not know: the item stays, marked with the failure
    expect(server.visits.size).toBe(1);
    expect(pending()).toMatchObject([{ key: 'visit-lost', attempts: 1, lastError: '网络不可用' }]);

    expect(await flush()).toBe(1);
    expect(pending()).toHaveLength(0);
    const posts = server.calls.filter((c) => c.path === '/api/grid-work/visits');
    expect(posts).toHaveLength(2);
    expect(posts.map((p) => (p.body as { idempotencyKey: string }).idempotencyKey)).toEqual(['visit-lost', 'visit-lost']);
    expect(server.visits.size).toBe(1);
  });

  it('queues a request whose answer was lost while online, then delivers it once', async () => {
    server.loseResponses = 1;
    const r = await sendOrQueue(visit('visit-online'));
    expect(r.sent).toBe(false);
    expect(r.error).toBeUndefined();
    expect(pending()).toHaveLength(1);
    expect(await flush()).toBe(1);
    expect(server.visits.size).toBe(1);
    expect(server.postsTo('/grid-work/visits')).toBe(2);
  });

  it('keeps items in order and stops at the first that cannot be sent', async () => {
    net.onLine = false;
    await sendOrQueue(visit('v-1'));
    await sendOrQueue(visit('v-2'));
    net.onLine = true;
    server.down = true;
    expect(await flush()).toBe(0);
    expect(server.calls).toHaveLength(0);
    expect(pending().map((p) => [p.key, p.attempts])).toEqual([
      ['v-1', 1],
      ['v-2', 0],
    ]);
    server.down = false;
    expect(await flush()).toBe(2);
    expect([...server.visits.keys()]).toEqual(['v-1', 'v-2']);
  });

  it('drops a request the server refuses (4xx) and says so', async () => {
    net.onLine = false;
    await sendOrQueue(visit('v-bad'));
    net.onLine = true;
    server.refuse = 400;
    const failed: string[] = [];
    expect(await flush({ onFailed: (item, msg) => failed.push(`${item.key}:${msg}`) })).toBe(0);
    expect(failed).toEqual(['v-bad:提交的数据有误']);
    expect(pending()).toHaveLength(0);
  });

  it('keeps photos taken without signal, uploads them once before the visit, and attaches their ids', async () => {
    net.onLine = false;
    const r = await sendOrQueue({ ...visit('v-photo'), body: { ...visit('v-photo').body, photos: ['file-already-up'] } }, [photo('a.jpg'), photo('b.jpg')]);
    expect(r).toEqual({ sent: false });
    expect(pending()).toMatchObject([{ key: 'v-photo', localPhotos: 2 }]);
    expect(photos.m.get('v-photo')).toHaveLength(2);

    net.onLine = true;
    // the photos go up, then the visit's answer is lost
    const realFetch = server.fetch;
    let visitPosts = 0;
    vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
      if (input === '/api/grid-work/visits' && visitPosts++ === 0) {
        await realFetch(input, init);
        throw new TypeError('network connection lost');
      }
      return realFetch(input, init);
    });
    expect(await flush()).toBe(0);
    expect(server.postsTo('/files')).toBe(1);
    expect(pending()[0]!.uploaded).toEqual(server.files);
    // the retry does not upload the photos again
    expect(await flush()).toBe(1);
    expect(server.postsTo('/files')).toBe(1);
    expect(server.files).toHaveLength(2);
    expect(server.visits.size).toBe(1);
    expect(server.visits.get('v-photo')!.body.photos).toEqual(['file-already-up', ...server.files]);
    // the phone's copies are gone once the visit is delivered
    expect(photos.m.size).toBe(0);
    expect(pending()).toHaveLength(0);
  });

  it('uploads photos first when there is signal', async () => {
    const r = await sendOrQueue(visit('v-now'), [photo('a.jpg')]);
    expect(r.sent).toBe(true);
    expect(server.visits.get('v-now')!.body.photos).toEqual(server.files);
    expect(server.files).toHaveLength(1);
    expect(pending()).toHaveLength(0);
    expect(photos.m.size).toBe(0);
  });

  it('says so when the phone cannot keep the photos, and still keeps the visit', async () => {
    net.onLine = false;
    photos.failPut = true;
    const r = await sendOrQueue(visit('v-nospace'), [photo('a.jpg')]);
    expect(r).toEqual({ sent: false, photosDropped: true });
    expect(pending()).toHaveLength(1);
    expect(pending()[0]!.localPhotos).toBeUndefined();
    net.onLine = true;
    expect(await flush()).toBe(1);
    expect(server.visits.get('v-nospace')!.body.photos).toBeUndefined();
  });
});
