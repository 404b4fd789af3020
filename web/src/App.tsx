import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { I18nProvider } from './i18n';
import { PrefsProvider } from './prefs';
import { Themed } from './theme';
import { AuthProvider, isResidentOnly, useAuth } from './auth';
import { MENU, H5_TILES } from './menu';
import { LoginPage } from './pages/LoginPage';
import { ConsoleLayout } from './layouts/ConsoleLayout';
import { H5Layout } from './layouts/H5Layout';
import { H5HomePage } from './pages/h5/H5HomePage';
import { H5ProfilePage } from './pages/h5/H5ProfilePage';
import { EntryGuard, FullPageSpin, NotFound } from './components/Guards';

// Public pages: people reported for by hotline or proxy service follow their case by number or
// receipt code without an account.
const PublicTrackPage = lazy(() => import('./pages/h5/cases/H5TrackPage'));

function PublicPage({ children }: { children: ReactNode }) {
  return (
    <div style={{ maxWidth: 560, margin: '0 auto', padding: 16 }}>
      <h1 style={{ fontSize: 22, margin: '8px 0 16px' }}>一网统管 · 办理进度查询</h1>
      {children}
    </div>
  );
}

function RequireAuth({ children, area }: { children: ReactNode; area: 'console' | 'h5' }) {
  const { me } = useAuth();
  const location = useLocation();
  if (me === undefined) return <FullPageSpin />;
  if (me === null) {
    const from = location.pathname + location.search;
    return <Navigate to={from === '/' ? '/login' : `/login?from=${encodeURIComponent(from)}`} replace />;
  }
  // Residents use the H5 app; the console is for staff.
  if (area === 'console' && isResidentOnly(me)) return <Navigate to="/h5" replace />;
  return <>{children}</>;
}

export function App() {
  return (
    <I18nProvider>
      <PrefsProvider>
        <Themed>
          <AuthProvider>
            <BrowserRouter>
              <Suspense fallback={<FullPageSpin />}>
                <Routes>
                  <Route path="/login" element={<LoginPage />} />
                  <Route
                    path="/track"
                    element={
                      <PublicPage>
                        <PublicTrackPage />
                      </PublicPage>
                    }
                  />
                  <Route
                    path="/h5"
                    element={
                      <RequireAuth area="h5">
                        <H5Layout />
                      </RequireAuth>
                    }
                  >
                    <Route index element={<H5HomePage />} />
                    <Route path="profile" element={<H5ProfilePage />} />
                    {H5_TILES.filter((tile) => tile.page).map((tile) => (
                      <Route key={tile.key} path={tile.path} element={<EntryGuard entry={tile} />} />
                    ))}
                    <Route path="*" element={<NotFound home="/h5" />} />
                  </Route>
                  <Route
                    path="/"
                    element={
                      <RequireAuth area="console">
                        <ConsoleLayout />
                      </RequireAuth>
                    }
                  >
                    {MENU.map((entry) => (
                      <Route key={entry.key} path={entry.path} element={<EntryGuard entry={entry} />} />
                    ))}
                    <Route path="*" element={<NotFound home="/" />} />
                  </Route>
                </Routes>
              </Suspense>
            </BrowserRouter>
          </AuthProvider>
        </Themed>
      </PrefsProvider>
    </I18nProvider>
  );
}
