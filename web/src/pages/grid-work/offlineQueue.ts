/**
 * A queue for field work made without signal: each request carries a client-generated
 * idempotency key, is kept in localStorage until the server answers, and is retried when the
 * phone is back online. The server de-duplicates by the key, so a request sent twice (a lost
 * response, a retry) is recorded once.
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

export function enqueue(item: Omit<QueuedRequest, 'queuedAt' | 'attempts'>): void {
  const items = pending();
  if (!items.some((x) => x.key === item.key)) items.push({ ...item, queuedAt: new Date().toISOString(), attempts: 0 });
  save(items);
}

export type SendResult = { ok: true; data: unknown } | { ok: false; retry: boolean; message: string };

/** One attempt: network failures and 5xx are retried later; a 4xx is final (the server refused it). */
export async function send(path: string, body: unknown): Promise<SendResult> {
  try {
    const res = await fetch(`/api${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
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

let flushing: Promise<number> | null = null;

/** Sends everything queued, in order; returns how many were delivered. */
export function flush(onSent?: (item: QueuedRequest, data: unknown) => void): Promise<number> {
  if (flushing) return flushing;
  flushing = (async () => {
    let sent = 0;
    for (const item of pending()) {
      if (typeof navigator !== 'undefined' && navigator.onLine === false) break;
      const r = await send(item.path, item.body);
      const items = pending();
      const i = items.findIndex((x) => x.key === item.key);
      if (r.ok || !r.retry) {
        if (i >= 0) items.splice(i, 1);
        save(items);
        if (r.ok) {
          sent++;
          onSent?.(item, r.data);
        }
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

/** Sends now when possible, otherwise queues; either way the request is made exactly once on the server. */
export async function sendOrQueue(item: Omit<QueuedRequest, 'queuedAt' | 'attempts'>): Promise<{ sent: boolean; data?: unknown; error?: string }> {
  if (typeof navigator !== 'undefined' && navigator.onLine === false) {
    enqueue(item);
    return { sent: false };
  }
  const r = await send(item.path, item.body);
  if (r.ok) return { sent: true, data: r.data };
  if (r.retry) {
    enqueue(item);
    return { sent: false };
  }
  return { sent: false, error: r.message };
}
