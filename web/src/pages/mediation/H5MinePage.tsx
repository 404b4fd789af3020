import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Collapse, Empty, Space, Spin, Tag } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { StateTag, TYPES, fmt, type DisputeDetail, type DisputeItem } from './common';

function Detail({ id }: { id: string }) {
  const { tl } = useI18n();
  const d = useApi<DisputeDetail>(`/mediation/disputes/${id}`);
  if (!d.data) return <Spin />;
  const x = d.data;
  return (
    <div>
      <p>{x.description}</p>
      {x.sessions.filter((s) => s.status === 'scheduled').map((s) => (
        <p key={s.id}>
          <Tag color="blue">{tl({ zh: '调解安排', en: 'Session' })}</Tag>
          {fmt(s.scheduledAt)} {s.mode === 'online' ? `${tl({ zh: '线上', en: 'online' })} ${s.meetingUrl ?? ''}` : s.location}
        </p>
      ))}
      {x.agreements.filter((a) => !a.superseded).map((a) => (
        <div key={a.id}>
          <ol style={{ paddingLeft: 20 }}>{a.terms.map((t, i) => <li key={i}>{t}</li>)}</ol>
          <a href={a.pdfUrl} download><DownloadOutlined /> {tl({ zh: '下载调解协议书', en: 'Download the agreement' })}</a>
        </div>
      ))}
      {x.rejectReason && <p>{x.rejectReason}</p>}
    </div>
  );
}

/** H5 我的调解: the resident's own applications and their progress. */
export default function H5MinePage() {
  const { tl } = useI18n();
  const [page] = useState(1);
  const list = useApi<PageResult<DisputeItem>>('/mediation/disputes', { page, pageSize: 50 });
  if (!list.data) return <Spin />;
  if (list.data.items.length === 0)
    return (
      <Empty description={tl({ zh: '暂无调解申请', en: 'No applications yet' })}>
        <Link to="/h5/mediation/apply"><Button type="primary">{tl({ zh: '申请调解', en: 'Apply' })}</Button></Link>
      </Empty>
    );
  return (
    <Collapse
      data-testid="my-disputes"
      items={list.data.items.map((d) => ({
        key: d.id,
        label: (
          <Space wrap>
            <span>{d.title}</span>
            <StateTag state={d.state} />
            <Tag>{tl(TYPES[d.type])}</Tag>
          </Space>
        ),
        extra: <span className="og-mono">{d.number}</span>,
        children: <Detail id={d.id} />,
      }))}
    />
  );
}
