/**
 * The one error type. Services throw AppError with a kind; the HTTP error handler maps kinds to
 * statuses and renders `{ error: { code, message, details } }`. Messages are the Chinese text users see.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'insufficient_storage';

export const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  insufficient_storage: 507,
};

export class AppError extends Error {
  constructor(
    public readonly kind: ErrorKind,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
  get status(): number {
    return STATUS[this.kind];
  }
}

export const invalid = (message: string, details?: unknown) => new AppError('invalid', message, details);
export const notFound = (message = '记录不存在或无权查看', details?: unknown) => new AppError('not_found', message, details);
export const forbidden = (message = '无权执行此操作', details?: unknown) => new AppError('forbidden', message, details);
export const conflict = (message: string, details?: unknown) => new AppError('conflict', message, details);
export const unauthenticated = (message = '请先登录') => new AppError('unauthenticated', message);
export const rateLimited = (message: string, details?: unknown) => new AppError('rate_limited', message, details);
export const unavailable = (message = '服务暂时不可用，请稍后重试', details?: unknown) => new AppError('unavailable', message, details);
