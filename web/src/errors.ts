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

/**
 * The form's values, or null when a field is invalid: antd marks the fields itself, and a modal's
 * onOk must not reject (an unhandled rejection, and the modal stays in a loading state).
 */
export async function validValues<T>(form: { validateFields: () => Promise<T> }): Promise<T | null> {
  try {
    return await form.validateFields();
  } catch {
    return null;
  }
}
