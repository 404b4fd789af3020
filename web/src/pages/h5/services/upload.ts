import { ApiError } from '../../../api';

export interface Uploaded {
  id: string;
  url: string;
  thumbUrl: string | null;
}

/** Uploads photos (of documents, of a problem) to /api/files; returns their ids for the form. */
export async function uploadPhotos(files: File[]): Promise<Uploaded[]> {
  const fd = new FormData();
  for (const f of files) fd.append('file', f, f.name);
  const res = await fetch('/api/files', { method: 'POST', body: fd, credentials: 'same-origin' });
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? 'http_' + res.status, e?.message ?? '', e?.details ?? null);
  }
  return data as Uploaded[];
}
