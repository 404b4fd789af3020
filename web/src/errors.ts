import { ApiError } from './api';
import type { TFunction } from './i18n';

/** The text to show a user for a failed call: the server's (Chinese) message when it sent one. */
export function errorText(err: unknown, t: TFunction): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('common.networkError');
    if (err.message) return err.message;
    if (err.status >= 500) return t('common.serverError');
    return t('common.loadFailed');
  }
  return t('common.loadFailed');
}
