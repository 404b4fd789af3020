import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, UNAUTHENTICATED_EVENT } from './api';
import type { Me, Role } from './types';

interface AuthValue {
  /** undefined while the first /me is in flight; null when signed out */
  me: Me | null | undefined;
  login: (username: string, password: string) => Promise<Me>;
  logout: () => Promise<void>;
  refresh: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      setMe(await api<Me>('/auth/me', { quiet401: true }));
    } catch {
      setMe(null);
    }
  }, []);

  useEffect(() => {
    // Restores the session from the httpOnly cookie on page load.
    let alive = true;
    api<Me>('/auth/me', { quiet401: true }).then(
      (m) => alive && setMe(m),
      () => alive && setMe(null),
    );
    const onExpired = () => setMe(null);
    window.addEventListener(UNAUTHENTICATED_EVENT, onExpired);
    return () => {
      alive = false;
      window.removeEventListener(UNAUTHENTICATED_EVENT, onExpired);
    };
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    const m = await api<Me>('/auth/login', { method: 'POST', body: { username, password }, quiet401: true });
    setMe(m);
    return m;
  }, []);

  const logout = useCallback(async () => {
    try {
      await api('/auth/logout', { method: 'POST', quiet401: true });
    } finally {
      setMe(null);
    }
  }, []);

  const value = useMemo(() => ({ me, login, logout, refresh }), [me, login, logout, refresh]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

/** The signed-in user inside the guarded layouts (they render only when signed in). */
export function useMe(): Me {
  const { me } = useAuth();
  if (!me) throw new Error('useMe without a signed-in user');
  return me;
}

/** Roles that only use the resident app (H5). Everyone else lands in the staff console. */
const RESIDENT_ONLY: Role[] = ['resident'];

export function isResidentOnly(me: Me): boolean {
  return me.roles.length > 0 && me.roles.every((r) => RESIDENT_ONLY.includes(r));
}

export function landingPath(me: Me): string {
  return isResidentOnly(me) ? '/h5' : '/';
}

export function hasPermission(me: Me, permission: string): boolean {
  return me.permissions.includes(permission);
}
