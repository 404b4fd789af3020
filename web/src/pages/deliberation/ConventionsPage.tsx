import { useState } from 'react';
import { Alert, App, Button, Card, Drawer, Input, List, Select, Space, Table, Tabs, Tag, type TableColumnsType } from 'antd';
import { api } from '../../api';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { fmtTime, useL, type Article, type Convention, type ConventionDetail, type Meeting, type PageResult } from './common';

/** Articles as text, one per line: "标题：内容" or just the content. */
export function articlesToText(a: Article[]): string {
  return a.map((x) => (x.title ? `${x.title}：${x.text}` : x.text)).join('\n');
}
export function textToArticles(s: string): Article[] {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l, i) => {
      const m = /^([^：:]{1,20})[：:](.+)$/.exec(l);
      return m ? { no: i + 1, title: m[1]!.trim(), text: m[2]!.trim() } : { no: i + 1, text: l };
    });
}

/** 社区公约: versions, residents' annotations per article, revisions compared article by article. */
export default function ConventionsPage() {
  const L = useL();
  const { t } = useI18n();
  const [openId, setOpenId] = useState<string | null>(null);
  const list = useApi<PageResult<Convention>>('/deliberation/conventions', { pageSize: 100 });
  const columns: TableColumnsType<Convention> = [
    { title: L('公约', 'Convention'), dataIndex: 'title', key: 'title', render: (v: string, r) => <Button type="link" style={{ padding: 0 }} onClick={() => setOpenId(r.id)}>{v}</Button> },
    { title: L('适用范围', 'Area'), dataIndex: 'nodeName', key: 'node', width: 150 },
    { title: L('现行版本', 'In force'), dataIndex: 'currentVersion', key: 'v', width: 100, render: (v: number | null) => (v ? `v${v}` : <Tag>{L('未生效', 'None')}</Tag>) },
    { title: L('更新时间', 'Updated'), dataIndex: 'updatedAt', key: 'u', width: 150, responsive: ['md'], render: fmtTime },
  ];
  return (
    <div className="og-page">
      <Card size="small">
        {list.error ? <Alert type="error" showIcon title={errorText(list.error, t)} /> : null}
        <Table<Convention> rowKey="id" size="middle" columns={columns} dataSource={list.data?.items ?? []} loading={list.loading} pagination={false} data-testid="conventions-table" />
      </Card>
      {openId ? <ConventionDrawer id={openId} onClose={() => setOpenId(null)} onChanged={list.reload} /> : null}
    </div>
  );
}

function ConventionDrawer({ id, onClose, onChanged }: { id: string; onClose: () => void; onChanged: () => void }) {
  const L = useL();
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const d = useApi<ConventionDetail>(`/deliberation/conventions/${id}`);
  const [drafting, setDrafting] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [diff, setDiff] = useState<[number, number] | null>(null);
  const [meetingId, setMeetingId] = useState<string | undefined>();
  const c = d.data;
  const held = useApi<PageResult<Meeting>>(c?.canManage ? '/deliberation/meetings' : null, { status: 'held', pageSize: 50 });
  const changes = useApi<{ changes: Array<{ no: number; change: string; before: Article | null; after: Article | null }> }>(diff ? `/deliberation/conventions/${id}/diff` : null, diff ? { from: diff[0], to: diff[1] } : undefined);
  const act = async (fn: () => Promise<unknown>, ok: string) => {
    try {
      await fn();
      message.success(ok);
      d.reload();
      onChanged();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  const reply = (annotationId: string, status: 'adopted' | 'declined') => {
    let text = '';
    modal.confirm({
      title: status === 'adopted' ? L('采纳该意见', 'Adopt') : L('不采纳该意见', 'Decline'),
      content: <Input.TextArea rows={3} onChange={(e) => (text = e.target.value)} placeholder={L('答复居民', 'Reply')} />,
      onOk: () => act(() => api(`/deliberation/annotations/${annotationId}/reply`, { method: 'POST', body: { status, reply: text || (status === 'adopted' ? '感谢建议，已采纳。' : '感谢建议，经研究暂不采纳。') } }), L('已答复', 'Replied')),
    });
  };
  const open = c?.versions.find((v) => v.status === 'draft' || v.status === 'consultation');
  return (
    <Drawer open width={760} onClose={onClose} title={c?.title ?? L('公约', 'Convention')}>
      {d.error ? <Alert type="error" showIcon title={errorText(d.error, t)} /> : null}
      {c ? (
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <Tabs items={[...c.versions].reverse().map((v) => ({
            key: String(v.version),
            label: <>v{v.version} <Tag color={v.status === 'adopted' ? 'green' : v.status === 'consultation' ? 'orange' : 'default'}>{L(v.statusLabel, v.status)}</Tag></>,
            children: (
              <>
                {v.changeNote ? <div className="og-delib-muted">{L('修订说明：', 'Changes: ')}{v.changeNote}</div> : null}
                {v.changelog.length && v.version > 1 ? (
                  <ul className="og-delib-muted" data-testid={`changelog-${v.version}`}>
                    {v.changelog.map((x) => <li key={x.articleNo}>{L(`第${x.articleNo}条`, `Art. ${x.articleNo}`)} · {x.change === 'added' ? L('新增', 'added') : x.change === 'removed' ? L('删除', 'removed') : L('修改', 'changed')}：{x.note}</li>)}
                  </ul>
                ) : null}
                {v.articles.map((a) => (
                  <div key={a.no} className="og-delib-article">
                    <span className="og-delib-article-title">{L(`第${a.no}条`, `Art. ${a.no}`)}{a.title ? ` ${a.title}` : ''}</span>
                    {a.text}
                    {c.annotations.filter((n) => n.version === v.version && n.articleNo === a.no).map((n) => (
                      <div key={n.id} className="og-delib-note">
                        {n.authorName}：{n.body} <Tag>{n.status === 'open' ? L('待答复', 'Open') : n.status === 'adopted' ? L('已采纳', 'Adopted') : L('未采纳', 'Declined')}</Tag>
                        {n.appliedVersion ? <Tag color="green">{L(`已写入 v${n.appliedVersion}`, `In v${n.appliedVersion}`)}</Tag> : null}
                        {n.suggestedText ? <div className="og-delib-suggest">{L('建议改为：', 'Suggested wording: ')}{n.suggestedText}</div> : null}
                        {n.reply ? <div className="og-delib-muted">{L('答复：', 'Reply: ')}{n.reply}</div> : null}
                        {c.canManage && n.status === 'open' ? <Space><Button size="small" onClick={() => reply(n.id, 'adopted')}>{L('采纳', 'Adopt')}</Button><Button size="small" onClick={() => reply(n.id, 'declined')}>{L('不采纳', 'Decline')}</Button></Space> : null}
                      </div>
                    ))}
                  </div>
                ))}
                {v.version > 1 ? <Button type="link" onClick={() => setDiff([v.version - 1, v.version])}>{L(`与 v${v.version - 1} 逐条对比`, `Compare with v${v.version - 1}`)}</Button> : null}
              </>
            ),
          }))} />
          {diff && changes.data ? (
            <List size="small" header={L(`v${diff[0]} → v${diff[1]}`, `v${diff[0]} → v${diff[1]}`)} dataSource={changes.data.changes.filter((x) => x.change !== 'unchanged')} renderItem={(x) => (
              <List.Item className={`og-delib-${x.change}`}>{L(`第${x.no}条`, `Art. ${x.no}`)} · {x.change === 'added' ? L('新增', 'added') : x.change === 'removed' ? L('删除', 'removed') : L('修改', 'changed')}：{(x.after ?? x.before)?.text}</List.Item>
            )} />
          ) : null}
          {c.canManage ? (
            <Card size="small" title={L('修订与生效', 'Revise and adopt')}>
              <Space wrap>
                {!open ? <Button onClick={() => setDrafting(articlesToText(c.versions[c.versions.length - 1]?.articles ?? []))}>{L('起草修订版', 'Draft a revision')}</Button> : null}
                {open && c.annotations.some((n) => n.version === open.version && n.status === 'adopted' && n.suggestedText && !n.appliedVersion) ? (
                  <Button type="primary" data-testid="revise" onClick={() => act(() => api(`/deliberation/conventions/${id}/versions/${open.version}/revise`, { method: 'POST', body: {} }), L('已按采纳的建议发布新修订稿', 'New revision published'))}>{L(`按采纳的建议发布 v${Math.max(...c.versions.map((x) => x.version)) + 1}`, 'Publish a revision with the adopted wording')}</Button>
                ) : null}
                {open?.status === 'draft' ? <Button onClick={() => act(() => api(`/deliberation/conventions/${id}/versions/${open.version}/consult`, { method: 'POST' }), L('已公开征求意见', 'Open for comments'))}>{L(`v${open.version} 公开征求意见`, `Open v${open.version} for comments`)}</Button> : null}
                {open ? (
                  <>
                    <Select style={{ width: 240 }} placeholder={L('通过该版本的居民会议', 'Meeting that adopted it')} value={meetingId} onChange={setMeetingId} options={(held.data?.items ?? []).map((m) => ({ value: m.id, label: `${m.title} ${fmtTime(m.startsAt)}` }))} />
                    <Button type="primary" disabled={!meetingId} onClick={() => act(() => api(`/deliberation/conventions/${id}/versions/${open.version}/adopt`, { method: 'POST', body: { meetingId } }), L('已生效', 'Adopted'))}>{L(`v${open.version} 经会议通过生效`, `Adopt v${open.version}`)}</Button>
                  </>
                ) : null}
              </Space>
              {drafting !== null ? (
                <Space direction="vertical" style={{ width: '100%', marginTop: 12 }}>
                  <div className="og-delib-muted">{L('每行一条，格式「标题：内容」', 'One article per line: "Title: text"')}</div>
                  <Input.TextArea rows={10} value={drafting} onChange={(e) => setDrafting(e.target.value)} />
                  <Input value={note} onChange={(e) => setNote(e.target.value)} placeholder={L('修订说明', 'What changed')} />
                  <Button type="primary" disabled={note.trim().length < 2} onClick={() => act(async () => { await api(`/deliberation/conventions/${id}/versions`, { method: 'POST', body: { articles: textToArticles(drafting), changeNote: note } }); setDrafting(null); setNote(''); }, L('修订版已起草', 'Draft saved'))}>{L('保存草案', 'Save draft')}</Button>
                </Space>
              ) : null}
            </Card>
          ) : null}
        </Space>
      ) : null}
    </Drawer>
  );
}
