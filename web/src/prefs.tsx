import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

/**
 * Display preferences kept in localStorage: large text (长辈模式 in the resident app, 大字模式 in
 * the console — the same setting, so an elderly user who turns it on keeps it everywhere).
 */
interface PrefsValue {
  largeText: boolean;
  setLargeText: (on: boolean) => void;
}

const STORAGE_KEY = 'og.largeText';
const PrefsContext = createContext<PrefsValue | null>(null);

export function PrefsProvider({ children }: { children: ReactNode }) {
  const [largeText, setState] = useState<boolean>(() => {
    try {
      return localStorage.getItem(STORAGE_KEY) === '1';
    } catch {
      return false;
    }
  });
  const setLargeText = useCallback((on: boolean) => {
    setState(on);
    try {
      localStorage.setItem(STORAGE_KEY, on ? '1' : '0');
    } catch {}
  }, []);
  useEffect(() => {
    document.documentElement.classList.toggle('og-large', largeText);
  }, [largeText]);
  const value = useMemo(() => ({ largeText, setLargeText }), [largeText, setLargeText]);
  return <PrefsContext.Provider value={value}>{children}</PrefsContext.Provider>;
}

export function usePrefs(): PrefsValue {
  const v = useContext(PrefsContext);
  if (!v) throw new Error('usePrefs outside PrefsProvider');
  return v;
}
