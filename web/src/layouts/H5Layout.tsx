import { ConfigProvider } from 'antd';
import { HomeFilled, HomeOutlined, LeftOutlined, UserOutlined } from '@ant-design/icons';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useI18n } from '../i18n';
import { usePrefs } from '../prefs';
import { themeFor } from '../theme';
import { H5_TILES } from '../menu';

/** The resident app (H5): a phone-sized column with a title bar and a bottom tab bar. */
export function H5Layout() {
  const { t, tl } = useI18n();
  const { largeText } = usePrefs();
  const location = useLocation();
  const navigate = useNavigate();
  const path = location.pathname.replace(/\/+$/, '') || '/h5';
  const isHome = path === '/h5';
  // a tile's own page or one below it: /h5/reports must not take the title of /h5/report
  const tile = H5_TILES.find((x) => path === x.path || path.startsWith(x.path + '/'));
  const title = isHome ? t('app.name') : path === '/h5/profile' ? t('h5.profile') : tile ? tl(tile.label) : t('app.name');
  const isTab = isHome || path === '/h5/profile';

  return (
    <ConfigProvider theme={themeFor(largeText, 'h5')}>
      <div className={`og-h5${largeText ? ' og-h5-large' : ''}`}>
        <header className="og-h5-bar">
          {!isTab ? (
            <button type="button" className="og-h5-back" onClick={() => navigate(-1)} aria-label={t('common.back')}>
              <LeftOutlined />
            </button>
          ) : (
            <span className="og-h5-back-placeholder" />
          )}
          <h1 className="og-h5-title">{title}</h1>
          <span className="og-h5-back-placeholder" />
        </header>
        <main className="og-h5-main">
          <Outlet />
        </main>
        <nav className="og-h5-tabs" aria-label={t('app.name')}>
          <NavLink to="/h5" end className={({ isActive }) => `og-h5-tab${isActive ? ' active' : ''}`}>
            {isHome ? <HomeFilled /> : <HomeOutlined />}
            <span>{t('h5.home')}</span>
          </NavLink>
          <NavLink to="/h5/profile" className={({ isActive }) => `og-h5-tab${isActive ? ' active' : ''}`}>
            <UserOutlined />
            <span>{t('h5.profile')}</span>
          </NavLink>
        </nav>
      </div>
    </ConfigProvider>
  );
}
