import { useState } from 'react';
import { Alert, App, Badge, Button, List, Segmented, Space, Typography } from 'antd';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { fmt, useX } from './common';
import './cases.css';

interface Note {
  id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  createdAt: string;
  read: boolean;
}

/** 消息: the user's in-app notifications (dispatches, deadlines, urges, results). */
export default function InboxPage() {
  const x = useX();
  const { t } = useI18n();
  const { message } = App.useApp();
  const nav = useNavigate();
  const [unread, setUnread] = useState(false);
  const [page, setPage] = useState(1);
  const r = useApi<{ items: Note[]; total: number; unread: number }>('/notifications', { unread: unread || undefined, page, pageSize: 20 });
  const read = async (id: string | 'all') => {
    try {
      await api(id === 'all' ? '/notifications/read-all' : `/notifications/${id}/read`, { method: 'POST' });
      r.reload();
    } catch (e) {
      message.error(errorText(e, t));
    }
  };
  return (
    <div>
      <Space style={{ marginBottom: 12 }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {x('消息', 'Inbox')} <Badge count={r.data?.unread ?? 0} />
        </Typography.Title>
        <Segmented
          value={unread ? 'unread' : 'all'}
          onChange={(v) => {
            setUnread(v === 'unread');
            setPage(1);
          }}
          options={[
            { value: 'all', label: x('全部', 'All') },
            { value: 'unread', label: x('未读', 'Unread') },
          ]}
        />
        <Button onClick={() => read('all')} disabled={!r.data?.unread}>
          {x('全部标为已读', 'Mark all read')}
        </Button>
      </Space>
      {r.error ? <Alert type="error" showIcon title={errorText(r.error, t)} /> : null}
      <List
        loading={r.loading}
        dataSource={r.data?.items ?? []}
        pagination={{ current: page, pageSize: 20, total: r.data?.total ?? 0, onChange: setPage }}
        renderItem={(n) => (
          <List.Item
            actions={[
              n.link ? (
                <Button
                  key="open"
                  type="link"
                  onClick={() => {
                    if (!n.read) void read(n.id);
                    nav(n.link!.replace(/^\/h5(?=\/)/, ''));
                  }}
                >
                  {x('查看', 'Open')}
                </Button>
              ) : null,
              !n.read ? (
                <Button key="read" type="link" onClick={() => read(n.id)}>
                  {x('标为已读', 'Mark read')}
                </Button>
              ) : null,
            ]}
          >
            <List.Item.Meta title={<Badge dot={!n.read}>{n.title}</Badge>} description={`${n.body} · ${fmt(n.createdAt)}`} />
          </List.Item>
        )}
      />
    </div>
  );
}
