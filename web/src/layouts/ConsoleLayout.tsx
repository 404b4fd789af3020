import { createElement, useMemo, useState } from 'react';
import { Avatar, Button, Drawer, Dropdown, Grid, Layout, Menu, Space, Typography, type MenuProps } from 'antd';
import { LogoutOutlined, MenuFoldOutlined, MenuOutlined, MenuUnfoldOutlined, MobileOutlined, UserOutlined } from '@ant-design/icons';
import { Link, matchPath, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useAuth, useMe } from '../auth';
import { roleLabel, useI18n } from '../i18n';
import { MENU_GROUPS, visibleEntries, type MenuEntry } from '../menu';
import { LargeTextSwitch, LocaleSwitch } from '../components/PrefControls';

const { Header, Sider, Content } = Layout;

function entryItem(e: MenuEntry, label: string): NonNullable<MenuProps['items']>[number] {
  return { key: e.key, icon: createElement(e.icon), label: <Link to={e.path}>{label}</Link> };
}

/** The staff console: side menu (a drawer on phones), header with the user and preferences. */
export function ConsoleLayout() {
  const me = useMe();
  const { logout } = useAuth();
  const { t, tl } = useI18n();
  const location = useLocation();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const mobile = !screens.md;
  const [collapsed, setCollapsed] = useState(false);
  const [drawerOpen, setDrawerOpen] = useState(false);

  const entries = useMemo(() => visibleEntries(me), [me]);
  const items = useMemo<MenuProps['items']>(() => {
    const shown = entries.filter((e) => !e.hidden);
    const top = shown.filter((e) => !e.group).map((e) => entryItem(e, tl(e.label)));
    const groups = MENU_GROUPS.flatMap((g) => {
      const children = shown.filter((e) => e.group === g.key).map((e) => entryItem(e, tl(e.label)));
      return children.length ? [{ key: `group:${g.key}`, icon: createElement(g.icon), label: tl(g.label), children }] : [];
    });
    return [...top, ...groups];
  }, [entries, tl]);

  const current = entries.find((e) => e.path !== '/' && matchPath({ path: e.path, end: false }, location.pathname)) ?? entries.find((e) => e.path === location.pathname);
  const selectedKeys = current ? [current.key] : [];
  const openKeys = MENU_GROUPS.map((g) => `group:${g.key}`);

  const onLogout = async () => {
    await logout();
    navigate('/login', { replace: true });
  };

  const userMenu: MenuProps = {
    items: [
      { key: 'who', disabled: true, label: <span className="og-user-menu-who">{me.username}</span> },
      { type: 'divider' },
      { key: 'h5', icon: <MobileOutlined />, label: t('header.toH5') },
      { key: 'logout', icon: <LogoutOutlined />, danger: true, label: t('header.logout') },
    ],
    onClick: ({ key }) => {
      if (key === 'logout') void onLogout();
      if (key === 'h5') navigate('/h5');
    },
  };

  const menu = <Menu mode="inline" theme="dark" items={items} selectedKeys={selectedKeys} defaultOpenKeys={openKeys} onClick={() => setDrawerOpen(false)} aria-label={t('header.menu')} />;
  const brand = (
    <Link to="/" className="og-brand">
      <img src="/favicon.svg" alt="" width={28} height={28} />
      {!(collapsed && !mobile) && <span>{t('app.name')}</span>}
    </Link>
  );

  return (
    <Layout className="og-console">
      {!mobile && (
        <Sider collapsible collapsed={collapsed} trigger={null} width={220} className="og-sider">
          {brand}
          {menu}
        </Sider>
      )}
      {mobile && (
        <Drawer open={drawerOpen} onClose={() => setDrawerOpen(false)} placement="left" size={260} closable={false} styles={{ body: { padding: 0, background: '#001529' } }} title={null}>
          {brand}
          {menu}
        </Drawer>
      )}
      <Layout>
        <Header className="og-header">
          <Space size={4}>
            <Button
              type="text"
              aria-label={t('header.menu')}
              icon={mobile ? <MenuOutlined /> : collapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />}
              onClick={() => (mobile ? setDrawerOpen(true) : setCollapsed((c) => !c))}
            />
            {current && <Typography.Text strong className="og-header-title">{tl(current.label)}</Typography.Text>}
          </Space>
          <Space size={mobile ? 0 : 8} className="og-header-right">
            <LargeTextSwitch label="prefs.largeText" showLabel={!mobile} />
            <LocaleSwitch compact={mobile} />
            <Dropdown menu={userMenu} trigger={['click']} placement="bottomRight">
              <Button type="text" className="og-user-button" data-testid="user-menu">
                <Avatar size="small" icon={<UserOutlined />} />
                {!mobile && (
                  <span className="og-user-text">
                    <span className="og-user-name">{me.displayName}</span>
                    <span className="og-user-role">{me.roles.map((r) => roleLabel(t, r)).join(' / ')}</span>
                  </span>
                )}
              </Button>
            </Dropdown>
          </Space>
        </Header>
        <Content className="og-content">
          <Outlet />
        </Content>
      </Layout>
    </Layout>
  );
}
