import { useCallback, useEffect, useState } from 'react';
import { api, buildQuery } from './api';

type QueryValue = string | number | boolean | null | undefined | (string | number)[];

interface ApiState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * GETs `path` (with `query`) and re-fetches when either changes; `path = null` skips the call.
 * While a new request is in flight the previous data stays visible (tables do not flash).
 */
export function useApi<T>(path: string | null, query?: Record<string, QueryValue>): ApiState<T> {
  const url = path === null ? null : path + buildQuery(query);
  const [nonce, setNonce] = useState(0);
  const reqKey = url === null ? null : `${url}#${nonce}`;
  const [state, setState] = useState<{ key: string | null; data: T | undefined; error: unknown }>({ key: null, data: undefined, error: null });

  useEffect(() => {
    if (reqKey === null || url === null) return;
    const ac = new AbortController();
    api<T>(url, { signal: ac.signal }).then(
      (data) => setState({ key: reqKey, data, error: null }),
      (error: unknown) => {
        if ((error as Error)?.name !== 'AbortError') setState((s) => ({ key: reqKey, data: s.data, error }));
      },
    );
    return () => ac.abort();
  }, [url, reqKey]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data: state.data, error: state.key === reqKey ? state.error : null, loading: reqKey !== null && state.key !== reqKey, reload };
}
