import { useCallback, type ReactNode } from 'react';
import { Alert, Button, Empty, Skeleton } from 'antd';
import { useSearchParams } from 'react-router-dom';
import { useI18n } from '../../../i18n';
import { errorText } from '../../../errors';

/** Bilingual text for the services pages: x('中文', 'English'). */
export function useX() {
  const { locale } = useI18n();
  return useCallback((zh: string, en: string) => (locale === 'en' ? en : zh), [locale]);
}

/** 'MM-DD HH:mm' (or 'YYYY-MM-DD HH:mm') in Asia/Shanghai. */
export function fmt(iso: string | null | undefined, withYear = false): string {
  if (!iso) return '—';
  const s = new Date(new Date(iso).getTime() + 8 * 3_600_000).toISOString();
  return withYear ? `${s.slice(0, 10)} ${s.slice(11, 16)}` : `${s.slice(5, 10)} ${s.slice(11, 16)}`;
}

/** The loading / error / empty states every resident list shares, in plain words. */
export function Loadable<T>({ state, empty, children }: { state: { data: T | undefined; error: unknown; reload: () => void }; empty?: (d: T) => boolean; children: (d: T) => ReactNode }) {
  const { t } = useI18n();
  const x = useX();
  if (state.error) return <Alert type="error" showIcon title={errorText(state.error, t)} action={<Button onClick={state.reload}>{t('common.retry')}</Button>} />;
  if (state.data === undefined) return <Skeleton active />;
  if (empty?.(state.data)) return <Empty description={x('暂时没有内容', 'Nothing here yet')} />;
  return <>{children(state.data)}</>;
}

/** The `?id=` of a detail view inside a list page (H5 pages keep one route each). */
export function useDetailParam(name = 'id'): [string | null, (id: string | null) => void] {
  const [params, setParams] = useSearchParams();
  const id = params.get(name);
  const set = useCallback(
    (v: string | null) => {
      const next = new URLSearchParams();
      if (v) next.set(name, v);
      setParams(next);
    },
    [name, setParams],
  );
  return [id, set];
}
