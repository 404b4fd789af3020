import { Component, Suspense, type ComponentType, type ErrorInfo, type LazyExoticComponent, type ReactNode } from 'react';
import { Button, Result, Spin } from 'antd';
import { Link } from 'react-router-dom';
import { useMe } from '../auth';
import { useT } from '../i18n';
import { canSee } from '../menu';
import type { Role } from '../types';

export function FullPageSpin() {
  return (
    <div className="og-full-spin" role="status">
      <Spin size="large" />
    </div>
  );
}

export function NotFound({ home }: { home: string }) {
  const t = useT();
  return (
    <Result
      status="404"
      title={t('common.notFound')}
      subTitle={t('common.notFoundDesc')}
      extra={
        <Link to={home}>
          <Button type="primary">{t('common.backHome')}</Button>
        </Link>
      }
    />
  );
}

function Forbidden() {
  const t = useT();
  return (
    <Result
      status="403"
      title={t('common.forbidden')}
      subTitle={t('common.forbiddenDesc')}
      extra={
        <Link to="/">
          <Button type="primary">{t('common.backHome')}</Button>
        </Link>
      }
    />
  );
}

function LoadError({ onRetry }: { onRetry: () => void }) {
  const t = useT();
  return <Result status="warning" title={t('common.loadFailed')} extra={<Button onClick={onRetry}>{t('common.retry')}</Button>} />;
}

/** Catches a page that throws while rendering, or whose code chunk failed to download. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(error, info.componentStack);
  }
  override render() {
    return this.state.failed ? <LoadError onRetry={() => this.setState({ failed: false })} /> : this.props.children;
  }
}

/** Renders a menu entry's page when the user may see it, with a spinner while its code loads. */
export function EntryGuard({ entry }: { entry: { permission?: string; roles?: Role[]; page?: LazyExoticComponent<ComponentType> } }) {
  const me = useMe();
  if (!canSee(entry, me)) return <Forbidden />;
  const Page = entry.page;
  if (!Page) return <NotFound home="/" />;
  return (
    <ErrorBoundary>
      <Suspense fallback={<FullPageSpin />}>
        <Page />
      </Suspense>
    </ErrorBoundary>
  );
}
