import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { Alert, App, Button, Empty, Form, Input, Progress, Segmented, Select, Spin, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { CHOICE_LABEL, fmtTime, MeetingModeText, pct, PhotoPicker, Photos, SupportProgress, TOPIC_CATEGORIES, TopicStatusTag, useL, VotePhaseTag, VoteResult, type Choice, type Convention, type ConventionDetail, type FileView, type MeetingDetail, type PageResult, type Resolution, type ResolutionDetail, type Topic, type TopicDetail, type Vote, type VoteDetail } from './common';
import { ResolutionProgress } from './ResolutionsPage';

/**
 * 议事厅 for residents (H5), one page whose view follows the query string: the hall (topics, votes,
 * conventions), ?propose, ?topic=<id>, ?vote=<id>, ?convention=<id>.
 */
export default function H5DeliberationPage() {
  const [params] = useSearchParams();
  if (params.get('propose') !== null) return <Propose />;
  const topic = params.get('topic');
  if (topic) return <TopicView id={topic} />;
  const vote = params.get('vote');
  if (vote) return <VoteView id={vote} />;
  const convention = params.get('convention');
  if (convention) return <ConventionView id={convention} />;
  const resolution = params.get('resolution');
  if (resolution) return <ResolutionView id={resolution} />;
  return <Hall />;
}

const to = (q: string) => `/h5/deliberation?${q}`;

function Hall() {
  const L = useL();
  const { t } = useI18n();
  const [tab, setTab] = useState<'topics' | 'votes' | 'resolutions' | 'conventions'>('topics');
  const topics = useApi<PageResult<Topic>>(tab === 'topics' ? '/deliberation/topics' : null, { pageSize: 50 });
  const votes = useApi<PageResult<Vote>>(tab === 'votes' ? '/deliberation/votes' : null, { pageSize: 50 });
  const conventions = useApi<PageResult<Convention>>(tab === 'conventions' ? '/deliberation/conventions' : null, { pageSize: 50 });
  // resolutions are shown to residents until they are done
  const resolutions = useApi<PageResult<Resolution>>(tab === 'resolutions' ? '/deliberation/resolutions' : null, { status: 'in_progress', pageSize: 50 });
  const current = tab === 'topics' ? topics : tab === 'votes' ? votes : tab === 'resolutions' ? resolutions : conventions;
  return (
    <div className="og-h5-delib">
      <Segmented block value={tab} onChange={(v) => setTab(v as typeof tab)} options={[{ value: 'topics', label: L('议题', 'Topics') }, { value: 'votes', label: L('表决', 'Votes') }, { value: 'resolutions', label: L('落实', 'Follow-up') }, { value: 'conventions', label: L('公约', 'Conventions') }]} data-testid="hall-tabs" />
      {tab === 'topics' ? <Link to={to('propose')}><Button type="primary" block size="large" icon={<PlusOutlined />} data-testid="propose">{L('我要提议', 'Propose a topic')}</Button></Link> : null}
      {current.error ? <Alert type="error" showIcon title={errorText(current.error, t)} /> : null}
      {current.loading && !current.data ? <Spin /> : null}
      {tab === 'topics' && topics.data ? (topics.data.items.length ? topics.data.items.map((x) => (
        <Link key={x.id} to={to(`topic=${x.id}`)} className="og-h5-delib-card" data-testid="topic-card">
          <h3>{x.title}</h3>
          <div className="og-h5-delib-meta"><TopicStatusTag topic={x} /><span>{x.nodeName}</span><span>{x.category}</span>{x.mine ? <Tag color="blue">{L('我提的', 'Mine')}</Tag> : null}</div>
          {['proposed', 'supported'].includes(x.status) ? <SupportProgress topic={x} /> : null}
        </Link>
      )) : <Empty description={L('还没有议题，来提第一个吧', 'No topics yet')} />) : null}
      {tab === 'votes' && votes.data ? (votes.data.items.length ? votes.data.items.map((x) => (
        <Link key={x.id} to={to(`vote=${x.id}`)} className="og-h5-delib-card" data-testid="vote-card">
          <h3>{x.title}</h3>
          <div className="og-h5-delib-meta"><VotePhaseTag vote={x} /><span>{x.nodeName}</span><span>{L('截止 ', 'Closes ')}{fmtTime(x.closesAt)}</span></div>
        </Link>
      )) : <Empty description={L('暂无表决', 'No votes')} />) : null}
      {tab === 'resolutions' && resolutions.data ? (resolutions.data.items.length ? resolutions.data.items.map((x) => (
        <Link key={x.id} to={to(`resolution=${x.id}`)} className="og-h5-delib-card" data-testid="resolution-card">
          <h3>{x.title}</h3>
          <div className="og-h5-delib-meta"><Tag color={x.overdue ? 'red' : 'blue'}>{L(x.statusLabel, x.overdue ? 'Overdue' : 'In progress')}</Tag><span>{x.assignee}</span><span>{L('期限 ', 'Due ')}{x.dueDate}</span></div>
          <Progress percent={x.progress} size="small" aria-label={L('落实进度', 'Progress')} />
        </Link>
      )) : <Empty description={L('暂无落实中的决议', 'Nothing in progress')} />) : null}
      {tab === 'conventions' && conventions.data ? conventions.data.items.map((x) => (
        <Link key={x.id} to={to(`convention=${x.id}`)} className="og-h5-delib-card">
          <h3>{x.title}</h3>
          <div className="og-h5-delib-meta"><span>{x.nodeName}</span>{x.currentVersion ? <Tag color="green">{L(`现行 v${x.currentVersion}`, `v${x.currentVersion} in force`)}</Tag> : null}</div>
        </Link>
      )) : null}
    </div>
  );
}

function Propose() {
  const L = useL();
  const { t } = useI18n();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (v: { title: string; body: string; category: string; photos?: FileView[] }) => {
    setBusy(true);
    try {
      const topic = await api<Topic>('/deliberation/topics', { method: 'POST', body: { title: v.title, body: v.body, category: v.category, photos: (v.photos ?? []).map((p) => p.id) } });
      navigate(to(`topic=${topic.id}`), { replace: true });
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="og-h5-delib">
      <div className="og-h5-delib-card">
        <div className="og-delib-muted">{L('议题提出后，邻居附议达到规定人数，即列入下一次议事会议的议程。', 'Once enough neighbours support it, it goes onto the next meeting’s agenda.')}</div>
        {error ? <Alert type="error" showIcon title={error} data-testid="propose-error" /> : null}
        <Form layout="vertical" onFinish={submit} initialValues={{ category: '公共设施' }}>
          <Form.Item name="title" label={L('标题', 'Title')} rules={[{ required: true, message: L('请填写标题', 'Required') }, { min: 2, max: 60 }]}><Input size="large" data-testid="topic-title" /></Form.Item>
          <Form.Item name="category" label={L('类别', 'Category')}><Select size="large" options={TOPIC_CATEGORIES.map((c) => ({ value: c, label: c }))} /></Form.Item>
          <Form.Item name="body" label={L('说说情况和建议', 'What and why')} rules={[{ required: true, message: L('请填写内容', 'Required') }, { min: 5, max: 2000 }]}><Input.TextArea rows={5} data-testid="topic-body" /></Form.Item>
          <Form.Item name="photos" label={L('现场照片（可选）', 'Photos (optional)')}><PhotoPicker testId="topic-photos" /></Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={busy} data-testid="submit-topic">{L('提交议题', 'Submit')}</Button>
        </Form>
      </div>
    </div>
  );
}

/** A meeting the topic is on: when, how (in person / online link), who is invited, and the outcome. */
function MeetingCard({ id, note }: { id: string; note: string | null }) {
  const L = useL();
  const m = useApi<MeetingDetail>(`/deliberation/meetings/${id}`).data;
  if (!m) return null;
  return (
    <div className="og-h5-delib-card" data-testid="topic-meeting">
      <b>{L('议事会议', 'Meeting')}</b>
      <span>{m.title} · {fmtTime(m.startsAt)}</span>
      <MeetingModeText m={m} />
      {m.invitees.length ? <div className="og-delib-muted">{L('邀请：', 'Invited: ')}{m.invitees.map((i) => `${i.kindLabel}${i.name}`).join('、')}</div> : null}
      {note ? <div className="og-delib-muted">{note}</div> : null}
    </div>
  );
}

function ResolutionView({ id }: { id: string }) {
  const L = useL();
  const { t } = useI18n();
  const d = useApi<ResolutionDetail>(`/deliberation/resolutions/${id}`);
  const r = d.data;
  if (d.error) return <Alert type="error" showIcon title={errorText(d.error, t)} />;
  if (!r) return <Spin />;
  return (
    <div className="og-h5-delib">
      <div className="og-h5-delib-card">
        <h3>{r.title}</h3>
        <div className="og-h5-delib-meta"><Tag color={r.status === 'completed' ? 'green' : r.overdue ? 'red' : 'blue'}>{L(r.statusLabel, r.status)}</Tag><span>{r.assignee}</span><span>{L('期限 ', 'Due ')}{r.dueDate}</span></div>
        <div className="og-delib-body">{r.content}</div>
        <Progress percent={r.progress} aria-label={L('落实进度', 'Progress')} />
        <ResolutionProgress r={r} />
      </div>
    </div>
  );
}

function TopicView({ id }: { id: string }) {
  const L = useL();
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const d = useApi<TopicDetail>(`/deliberation/topics/${id}`);
  const [comment, setComment] = useState('');
  const x = d.data;
  const act = async (fn: () => Promise<unknown>, ok: string) => {
    try {
      await fn();
      message.success(ok);
      d.reload();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  const report = (commentId: string) => {
    let reason = '';
    modal.confirm({
      title: L('举报不当评论', 'Report this comment'),
      content: <Input.TextArea rows={2} placeholder={L('请说明理由，如人身攻击、广告', 'Why (abuse, advertising…)')} onChange={(e) => (reason = e.target.value)} />,
      okText: t('common.confirm'),
      cancelText: t('common.cancel'),
      onOk: () => act(() => api(`/deliberation/topics/${id}/comments/${commentId}/report`, { method: 'POST', body: { reason } }), L('已举报，社区将核实处理', 'Reported')),
    });
  };
  if (d.error) return <Alert type="error" showIcon title={errorText(d.error, t)} />;
  if (!x) return <Spin />;
  return (
    <div className="og-h5-delib">
      <div className="og-h5-delib-card">
        <h3 data-testid="topic-heading">{x.title}</h3>
        <div className="og-h5-delib-meta"><TopicStatusTag topic={x} /><span>{x.nodeName}</span><span>{x.proposerName}</span><span>{fmtTime(x.createdAt)}</span></div>
        <div className="og-delib-body">{x.body}</div>
        <Photos photos={x.photos ?? []} />
        {['proposed', 'supported', 'scheduled'].includes(x.status) ? <SupportProgress topic={x} /> : null}
        {x.reviewNote ? <Alert type="info" title={L('社区意见：', 'Community: ') + x.reviewNote} /> : null}
        {x.canSupport ? <Button type="primary" size="large" block data-testid="support" onClick={() => act(() => api(`/deliberation/topics/${id}/support`, { method: 'POST' }), L('附议成功', 'Supported'))}>{L('我也支持（附议）', 'Support')}</Button> : null}
        {x.supportedByMe ? <Tag color="green" data-testid="supported">{L('您已附议', 'You support this')}</Tag> : null}
        {x.mine && ['proposed', 'supported'].includes(x.status) ? <Button onClick={() => act(() => api(`/deliberation/topics/${id}/withdraw`, { method: 'POST' }), L('已撤回', 'Withdrawn'))}>{L('撤回议题', 'Withdraw')}</Button> : null}
      </div>
      {x.meetings.map((m) => <MeetingCard key={m.id} id={m.id} note={m.note} />)}
      {x.votes.map((v) => <Link key={v.id} to={to(`vote=${v.id}`)} className="og-h5-delib-card" data-testid="topic-vote"><b>{L('表决', 'Vote')}</b>{v.title}<span className="og-delib-muted">{v.status === 'closed' ? (v.passed ? L('已通过', 'Passed') : L('未通过', 'Not passed')) : L('进行中，点此投票', 'Open — tap to vote')}</span></Link>)}
      {x.resolutions.map((r) => <Link key={r.id} to={to(`resolution=${r.id}`)} className="og-h5-delib-card"><b>{L('决议落实', 'Resolution')}</b>{r.title}<Progress percent={r.progress} size="small" aria-label={L('落实进度', 'Progress')} /></Link>)}
      <div className="og-h5-delib-card">
        <b>{L(`大家的意见（${x.comments.length}）`, `Comments (${x.comments.length})`)}</b>
        {x.comments.map((c) => (
          <div key={c.id} data-testid="comment">
            <b>{c.authorName}</b>{c.isStaff ? <Tag color="blue">{L('社区', 'Staff')}</Tag> : null}：{c.body}
            {!c.mine ? <Button type="link" size="small" onClick={() => report(c.id)}>{L('举报', 'Report')}</Button> : null}
          </div>
        ))}
        <Input.TextArea rows={2} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={1000} placeholder={L('说说您的看法', 'Your view')} />
        <Button disabled={!comment.trim()} onClick={() => act(async () => { await api(`/deliberation/topics/${id}/comments`, { method: 'POST', body: { body: comment } }); setComment(''); }, L('已发表', 'Posted'))}>{L('发表', 'Post')}</Button>
      </div>
    </div>
  );
}

function VoteView({ id }: { id: string }) {
  const L = useL();
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const d = useApi<VoteDetail>(`/deliberation/votes/${id}`);
  const v = d.data;
  const cast = (choice: Choice) =>
    modal.confirm({
      title: L(`确认投「${CHOICE_LABEL[choice][0]}」？`, `Vote "${CHOICE_LABEL[choice][1]}"?`),
      content: v?.my?.byHousehold ? L('一户一票，提交后不能更改。', 'One ballot per household; it cannot be changed.') : L('提交后不能更改。', 'It cannot be changed.'),
      okText: t('common.confirm'),
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await api(`/deliberation/votes/${id}/ballots`, { method: 'POST', body: { choice } });
          message.success(L('投票成功', 'Vote recorded'));
        } catch (err) {
          message.error(errorText(err, t));
        }
        d.reload();
      },
    });
  if (d.error) return <Alert type="error" showIcon title={errorText(d.error, t)} />;
  if (!v) return <Spin />;
  return (
    <div className="og-h5-delib">
      <div className="og-h5-delib-card">
        <h3 data-testid="vote-heading">{v.title}</h3>
        <div className="og-h5-delib-meta"><VotePhaseTag vote={v} /><span>{v.nodeName}</span><span>{v.methodLabel}</span><span>{v.ruleLabel}</span><span data-testid="ballot-kind">{v.ballotLabel}</span>{v.quorumPct ? <span>{L(`参与率须达 ${v.quorumPct}%`, `Quorum ${v.quorumPct}%`)}</span> : null}</div>
        {v.description ? <div className="og-delib-body">{v.description}</div> : null}
        <div className="og-delib-muted">{fmtTime(v.opensAt)} – {fmtTime(v.closesAt)}</div>
        <div>{L('参与率', 'Turnout')} {pct(v.turnout.rate)}{v.turnout.areaRate !== null ? L(`（面积 ${pct(v.turnout.areaRate)}）`, ` (area ${pct(v.turnout.areaRate)})`) : ''}</div>
      </div>
      {v.phase === 'open' && v.my?.eligible && !v.my.voted ? (
        <div className="og-h5-delib-card">
          <b>{v.my.byHousehold ? L('请代表本户投票', 'Vote for your household') : L('请投票', 'Cast your vote')}</b>
          {v.my.onlyMember ? <div className="og-delib-muted">{L(`本户由 ${v.my.onlyMember} 投票`, `Cast by ${v.my.onlyMember} for the household`)}</div> : null}
          {v.ballot === 'secret' ? <div className="og-delib-muted">{L('无记名投票：只记录是否已投，不记录投票人的选择。', 'Secret ballot: whether you voted is kept, not how.')}</div> : null}
          <div className="og-h5-delib-choices">
            {(['agree', 'oppose', 'abstain'] as Choice[]).map((c) => (
              <Button key={c} type={c === 'agree' ? 'primary' : 'default'} danger={c === 'oppose'} onClick={() => cast(c)} data-testid={`choice-${c}`}>{L(...CHOICE_LABEL[c])}</Button>
            ))}
          </div>
        </div>
      ) : null}
      {v.my?.voted ? <Alert type="success" showIcon data-testid="voted" title={v.my.choice ? L(`您已投「${CHOICE_LABEL[v.my.choice][0]}」`, `You voted "${CHOICE_LABEL[v.my.choice][1]}"`) : L('本户已投票', 'Your household has voted')} /> : null}
      {v.my && !v.my.eligible ? <Alert type="info" showIcon title={L('您不在本次表决范围内', 'You are not in this electorate')} /> : null}
      {v.result ? <div className="og-h5-delib-card"><b>{L('表决结果', 'Result')}</b><VoteResult result={v.result} method={v.method} /></div> : <Alert type="info" title={L('投票截止后公布结果', 'Results are published when the vote closes')} />}
    </div>
  );
}

function ConventionView({ id }: { id: string }) {
  const L = useL();
  const { t } = useI18n();
  const { message } = App.useApp();
  const d = useApi<ConventionDetail>(`/deliberation/conventions/${id}`);
  const [article, setArticle] = useState<number | undefined>();
  const [text, setText] = useState('');
  const [suggested, setSuggested] = useState('');
  const c = d.data;
  if (d.error) return <Alert type="error" showIcon title={errorText(d.error, t)} />;
  if (!c) return <Spin />;
  const consult = c.versions.find((v) => v.status === 'consultation');
  const shown = consult ?? c.versions.find((v) => v.status === 'adopted') ?? c.versions[c.versions.length - 1];
  const annotate = async () => {
    try {
      await api(`/deliberation/conventions/${id}/versions/${consult!.version}/annotations`, { method: 'POST', body: { articleNo: article, body: text, ...(suggested.trim() ? { suggestedText: suggested } : {}) } });
      message.success(L('意见已提交', 'Comment sent'));
      setText('');
      setSuggested('');
      d.reload();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  return (
    <div className="og-h5-delib">
      <div className="og-h5-delib-card">
        <h3>{c.title}</h3>
        {shown ? <div className="og-h5-delib-meta"><Tag color={shown.status === 'consultation' ? 'orange' : 'green'}>v{shown.version} {L(shown.statusLabel, shown.status)}</Tag></div> : null}
        {shown?.articles.map((a) => (
          <div key={a.no} className="og-delib-article"><span className="og-delib-article-title">{L(`第${a.no}条`, `Art. ${a.no}`)}{a.title ? ` ${a.title}` : ''}</span>{a.text}
            {c.annotations.filter((n) => n.version === shown.version && n.articleNo === a.no).map((n) => <div key={n.id} className="og-delib-note">{n.authorName}：{n.body}{n.suggestedText ? <div className="og-delib-suggest">{L('建议改为：', 'Suggested: ')}{n.suggestedText}</div> : null}{n.reply ? <div className="og-delib-muted">{L('社区答复：', 'Reply: ')}{n.reply}</div> : null}</div>)}
          </div>
        ))}
      </div>
      {consult && c.canAnnotate ? (
        <div className="og-h5-delib-card">
          <b>{L('对修订稿提意见', 'Comment on the draft')}</b>
          <Select placeholder={L('选择条款', 'Article')} value={article} onChange={setArticle} options={consult.articles.map((a) => ({ value: a.no, label: L(`第${a.no}条`, `Art. ${a.no}`) + (a.title ? ` ${a.title}` : '') }))} />
          <Input.TextArea rows={3} value={text} onChange={(e) => setText(e.target.value)} maxLength={1000} placeholder={L('您的意见', 'Your comment')} data-testid="annotation-body" />
          <Input.TextArea rows={3} value={suggested} onChange={(e) => setSuggested(e.target.value)} maxLength={2000} placeholder={L('建议的条文表述（可选，被采纳后写入新版本）', 'Suggested wording (optional)')} data-testid="annotation-suggestion" />
          <Button type="primary" disabled={!article || !text.trim()} onClick={annotate}>{L('提交意见', 'Send')}</Button>
        </div>
      ) : null}
    </div>
  );
}
