import type { FastifyRequest } from 'fastify';
import { AppError, invalid } from '../errors.js';

export interface Upload {
  data: Buffer;
  fileName?: string;
}

/**
 * Reads the uploaded files of a multipart request into memory, with limits that become clear 4xx
 * answers in Chinese: not multipart → 400, a file over `maxBytes` → 413, more than `maxFiles` → 400.
 */
export async function readUploads(
  req: FastifyRequest,
  o: { maxBytes: number; maxFiles: number; notMultipart: string; tooLarge: string; tooMany: string },
): Promise<Upload[]> {
  if (!req.isMultipart()) throw invalid(o.notMultipart);
  const files: Upload[] = [];
  try {
    // one more than allowed, so that "too many" is told rather than silently cut
    for await (const part of req.files({ limits: { fileSize: o.maxBytes, files: o.maxFiles + 1 } })) {
      files.push({ data: await part.toBuffer(), fileName: part.filename });
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('too_large', o.tooLarge);
    if (code === 'FST_FILES_LIMIT') throw invalid(o.tooMany);
    throw err;
  }
  if (files.length > o.maxFiles) throw invalid(o.tooMany);
  return files;
}
