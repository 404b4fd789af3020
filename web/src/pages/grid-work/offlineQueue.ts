/**
 * A queue for field work made without signal: each request carries a client-generated
 * idempotency key, is kept in localStorage until the server answers, and is retried when the
 * phone is back online. The server de-duplicates by the key, so a request sent twice (a lost
 * response, a retry) is recorded once.
 *
 * Photos taken without signal are kept too: their blobs go to IndexedDB under the request's key
 * (localStorage holds only text and a few MB), are uploaded to /api/files just before the request
 * is sent, and their ids are added to the request's `photos`. Ids of photos already uploaded are
 * remembered on the queued item, so a retry after a lost request does not upload them again.
 *
 * No imports: this file is also loaded by the unit test under Node.
 */
const STORAGE_KEY = 'og.gridwork.queue';
export const QUEUE_EVENT = 'og:gridwork-queue';

export interface QueuedRequest {
  key: string;
  kind: 'report' | 'visit' | 'points' | 'end';
  label: string;
  path: string;
  body: Record<string, unknown>;
  queuedAt: string;
  attempts: number;
  lastError?: string;
  /** how many photos wait in the photo store under `key` (taken without signal) */
  localPhotos?: number;
  /** ids the waiting photos got once uploaded */
  uploaded?: string[];
}
type NewRequest = Omit<QueuedRequest, 'queuedAt' | 'attempts' | 'localPhotos' | 'uploaded'>;

/** A photo kept on the phone until there is signal. */
export interface LocalPhoto {
  name: string;
  type: string;
  blob: Blob;
}

export interface PhotoStore {
  put(key: string, photos: LocalPhoto[]): Promise<void>;
  get(key: string): Promise<LocalPhoto[] | null>;
  delete(key: string): Promise<void>;
}

/** The browser's photo store: one IndexedDB object store, photos by request key. */
export const indexedDbPhotoStore: PhotoStore = {
  put: (key, photos) => idb('readwrite', (s) => s.put(photos, key)).then(() => undefined),
  get: (key) => idb('readonly', (s) => s.get(key) as IDBRequest<LocalPhoto[] | undefined>).then((v) => v ?? null),
  delete: (key) => idb('readwrite', (s) => s.delete(key)).then(() => undefined),
};

function idb<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('IndexedDB unavailable'));
      return;
    }
    const open = indexedDB.open('og-gridwork', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('photos');
    open.onerror = () => reject(open.error ?? new Error('IndexedDB open failed'));
    open.onsuccess = () => {
      const db = open.result;
      try {
        const tx = db.transaction('photos', mode);
        const req = op(tx.objectStore('photos'));
        tx.oncomplete = () => {
          db.close();
          resolve(req.result);
        };
        tx.onerror = tx.onabort = () => {
          db.close();
          reject(tx.error ?? new Error('IndexedDB transaction failed'));
        };
      } catch (err) {
        db.close();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
  });
}

let photoStore: PhotoStore = indexedDbPhotoStore;
/** Replaces the photo store (tests run under Node, which has no IndexedDB). */
export function setPhotoStore(store: PhotoStore): void {
  photoStore = store;
}

export function newKey(prefix: string): string {
  const rnd = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  return `${prefix}-${rnd}`;
}

export function pending(): QueuedRequest[] {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as QueuedRequest[];
  } catch {
    return [];
  }
}

function save(items: QueuedRequest[]): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(items));
  window.dispatchEvent(new Event(QUEUE_EVENT));
}

function update(key: string, patch: Partial<QueuedRequest>): void {
  const items = pending();
  const i = items.findIndex((x) => x.key === key);
  if (i < 0) return;
  items[i] = { ...items[i]!, ...patch };
  save(items);
}

function put(item: QueuedRequest): void {
  const items = pending();
  if (!items.some((x) => x.key === item.key)) items.push(item);
  save(items);
}

export function enqueue(item: NewRequest): void {
  put({ ...item, queuedAt: new Date().toISOString(), attempts: 0 });
}

const isOffline = () => typeof navigator !== 'undefined' && navigator.onLine === false;

export type SendResult = { ok: true; data: unknown } | { ok: false; retry: boolean; message: string };

async function call(path: string, init: RequestInit): Promise<SendResult> {
  try {
    const res = await fetch(`/api${path}`, { ...init, method: 'POST', credentials: 'same-origin' });
    const text = await res.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (res.ok) return { ok: true, data };
    const message = (data as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${res.status}`;
    return { ok: false, retry: res.status >= 500 || res.status === 429 || res.status === 401, message };
  } catch {
    return { ok: false, retry: true, message: '网络不可用' };
  }
}

/** One attempt: network failures and 5xx are retried later; a 4xx is final (the server refused it). */
export function send(path: string, body: unknown): Promise<SendResult> {
  return call(path, { headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
}

/** Uploads photos kept on the phone; returns their ids. */
async function upload(photos: LocalPhoto[]): Promise<{ ok: true; ids: string[] } | { ok: false; retry: boolean; message: string }> {
  const fd = new FormData();
  for (const p of photos) fd.append('file', p.blob, p.name);
  const r = await call('/files', { headers: { Accept: 'application/json' }, body: fd });
  if (!r.ok) return r;
  return { ok: true, ids: (r.data as Array<{ id: string }>).map((f) => f.id) };
}

function withPhotos(body: Record<string, unknown>, ids: string[] | undefined): Record<string, unknown> {
  if (!ids?.length) return body;
  const before = Array.isArray(body.photos) ? (body.photos as string[]) : [];
  return { ...body, photos: [...new Set([...before, ...ids])] };
}

export interface FlushHandlers {
  /** the server recorded the request (or had already recorded it under the same key) */
  onSent?: (item: QueuedRequest, data: unknown) => void;
  /** the server refused the request (4xx) — it is dropped — or refused its photos (sent without them) */
  onFailed?: (item: QueuedRequest, message: string) => void;
}

/** One attempt at a queued item: its waiting photos first, then the request. */
async function deliverQueued(item: QueuedRequest, h: FlushHandlers): Promise<SendResult> {
  let ids = item.uploaded;
  if (item.localPhotos && !ids) {
    const photos = await photoStore.get(item.key).catch(() => null);
    if (photos?.length) {
      const u = await upload(photos);
      if (!u.ok && u.retry) return u;
      if (!u.ok) h.onFailed?.(item, `照片未能上传：${u.message}`);
      ids = u.ok ? u.ids : [];
    } else {
      h.onFailed?.(item, '手机上保存的照片已丢失，记录将不含照片发送');
      ids = [];
    }
    update(item.key, { uploaded: ids });
  }
  return send(item.path, withPhotos(item.body, ids));
}

let flushing: Promise<number> | null = null;

/**
 * Sends everything queued, in order; returns how many were delivered. Calls made while a flush
 * runs join it, so an item is never sent by two flushes at once.
 */
export function flush(handlers: FlushHandlers | FlushHandlers['onSent'] = {}): Promise<number> {
  const h: FlushHandlers = typeof handlers === 'function' ? { onSent: handlers } : handlers;
  if (flushing) return flushing;
  flushing = (async () => {
    let sent = 0;
    for (const queued of pending()) {
      if (isOffline()) break;
      const item = pending().find((x) => x.key === queued.key);
      if (!item) continue;
      const r = await deliverQueued(item, h);
      const items = pending();
      const i = items.findIndex((x) => x.key === item.key);
      if (r.ok || !r.retry) {
        if (i >= 0) items.splice(i, 1);
        save(items);
        if (item.localPhotos) await photoStore.delete(item.key).catch(() => undefined);
        if (r.ok) {
          sent++;
          h.onSent?.(item, r.data);
        } else h.onFailed?.(item, r.message);
      } else {
        if (i >= 0) items[i] = { ...items[i]!, attempts: items[i]!.attempts + 1, lastError: r.message };
        save(items);
        break; // still offline: keep the order, try again later
      }
    }
    return sent;
  })().finally(() => {
    flushing = null;
  });
  return flushing;
}

export interface SendOrQueueResult {
  sent: boolean;
  data?: unknown;
  error?: string;
  /** photos were given but could not be kept on the phone: the record was queued without them */
  photosDropped?: boolean;
}

/**
 * Sends now when possible, otherwise queues; either way the request is made exactly once on the
 * server. `photos` are photos not yet uploaded (taken without signal): uploaded first when there
 * is signal, otherwise kept on the phone with the request.
 */
export async function sendOrQueue(item: NewRequest, photos: LocalPhoto[] = []): Promise<SendOrQueueResult> {
  const queue = async (uploaded?: string[]): Promise<SendOrQueueResult> => {
    const base: QueuedRequest = { ...item, queuedAt: new Date().toISOString(), attempts: 0 };
    if (uploaded) {
      put({ ...base, body: withPhotos(item.body, uploaded) });
      return { sent: false };
    }
    if (!photos.length) {
      put(base);
      return { sent: false };
    }
    try {
      await photoStore.put(item.key, photos);
      put({ ...base, localPhotos: photos.length });
      return { sent: false };
    } catch {
      put(base);
      return { sent: false, photosDropped: true };
    }
  };
  if (isOffline()) return queue();
  let ids: string[] | undefined;
  if (photos.length) {
    const u = await upload(photos);
    if (!u.ok && u.retry) return queue();
    if (!u.ok) return { sent: false, error: `照片未能上传：${u.message}` };
    ids = u.ids;
  }
  const r = await send(item.path, withPhotos(item.body, ids));
  if (r.ok) return { sent: true, data: r.data };
  if (r.retry) return queue(ids ?? []);
  return { sent: false, error: r.message };
}
