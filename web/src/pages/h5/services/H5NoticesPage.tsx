import { useEffect, useState } from 'react';
import { Alert, Button, Skeleton } from 'antd';
import { api } from '../../../api';
import { useApi } from '../../../hooks';
import { useI18n } from '../../../i18n';
import { errorText } from '../../../errors';
import { fmt, Loadable, useDetailParam, useX } from './common';
import './services.css';

interface Notice {
  id: string;
  title: string;
  body: string;
  categoryName: string;
  scope: { name: string };
  pinned: boolean;
  publishedAt: string;
  expiresAt: string | null;
  read: boolean;
}

/** 通知公告: the notices this resident received, pinned first; opening one records the read receipt. */
export default function H5NoticesPage() {
  const x = useX();
  const [id, setId] = useDetailParam();
  const list = useApi<Notice[]>(id ? null : '/services/my/announcements');
  if (id) return <NoticeDetail id={id} onBack={() => setId(null)} />;
  return (
    <Loadable state={list} empty={(d) => d.length === 0}>
      {(items) => (
        <ul className="og-svc-list" aria-label={x('通知列表', 'Notices')}>
          {items.map((n) => (
            <li key={n.id}>
              <button type="button" className="og-svc-item" onClick={() => setId(n.id)} data-testid="notice-item">
                <span className="og-svc-item-title">
                  {n.pinned && <span className="og-svc-badge">{x('置顶', 'Pinned')}</span>}
                  {!n.read && <span className="og-svc-badge unread">{x('未读', 'New')}</span>}
                  {n.title}
                </span>
                <span className="og-svc-item-meta">
                  {n.categoryName} · {n.scope.name} · {fmt(n.publishedAt)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Loadable>
  );
}

function NoticeDetail({ id, onBack }: { id: string; onBack: () => void }) {
  const { t } = useI18n();
  const x = useX();
  const [n, setN] = useState<Notice | null>(null);
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    api<Notice>(`/services/my/announcements/${id}/read`, { method: 'POST' }).then(setN, setErr);
  }, [id]);
  if (err) return <Alert type="error" showIcon title={errorText(err, t)} action={<Button onClick={onBack}>{t('common.back')}</Button>} />;
  if (!n) return <Skeleton active />;
  return (
    <article className="og-h5-card">
      <h2 className="og-h5-card-title">{n.title}</h2>
      <p className="og-svc-item-meta">
        {n.categoryName} · {n.scope.name} · {fmt(n.publishedAt, true)}
      </p>
      <div className="og-svc-body">{n.body}</div>
      {n.expiresAt && <p className="og-svc-item-meta">{x(`有效期至 ${fmt(n.expiresAt, true)}`, `Valid until ${fmt(n.expiresAt, true)}`)}</p>}
      <div className="og-svc-actions">
        <Button size="large" className="og-svc-big" onClick={onBack}>
          {x('返回通知列表', 'Back to notices')}
        </Button>
      </div>
    </article>
  );
}
