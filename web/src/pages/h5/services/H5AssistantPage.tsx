import { useState } from 'react';
import { App, Button, Input } from 'antd';
import { Link } from 'react-router-dom';
import { api } from '../../../api';
import { useI18n } from '../../../i18n';
import { errorText } from '../../../errors';
import { useX } from './common';
import './services.css';

interface Answer {
  questionId: string;
  answered: boolean;
  article: { id: string; title: string; body: string } | null;
  related: Array<{ id: string; title: string }>;
  matter: { id: string; name: string } | null;
}

/** 智能问答: ask in your own words; the answer comes from the community's knowledge base. */
export default function H5AssistantPage() {
  const { t } = useI18n();
  const x = useX();
  const { message } = App.useApp();
  const [q, setQ] = useState('');
  const [busy, setBusy] = useState(false);
  const [chat, setChat] = useState<Array<{ q: string; a: Answer; flagged?: boolean }>>([]);
  const ask = async (question: string) => {
    if (!question.trim()) return;
    setBusy(true);
    try {
      const a = await api<Answer>('/services/assistant/ask', { method: 'POST', body: { question } });
      setChat((c) => [...c, { q: question, a }]);
      setQ('');
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <section className="og-h5-card">
        <h2 className="og-h5-card-title">{x('有问题，问一问', 'Ask a question')}</h2>
        <p className="og-svc-item-meta">{x('例如：高龄津贴怎么申请？老年食堂在哪里？', 'For example: how do I apply for the old-age allowance?')}</p>
      </section>
      <div className="og-svc-chat" aria-live="polite" data-testid="assistant-chat">
        {chat.map((c, i) => (
          <div key={c.a.questionId} className="og-svc-chat">
            <div className="og-svc-q">{c.q}</div>
            <div className="og-svc-a" data-testid="assistant-answer">
              {c.a.article ? (
                <>
                  <h3 className="og-svc-item-title">{c.a.article.title}</h3>
                  <div className="og-svc-body">{c.a.article.body}</div>
                  {c.a.matter && (
                    <p>
                      <Link to={`/h5/guide?id=${c.a.matter.id}`}>{x(`去办理：${c.a.matter.name}`, `Apply: ${c.a.matter.name}`)}</Link>
                    </p>
                  )}
                  {!c.flagged ? (
                    <Button
                      size="small"
                      onClick={async () => {
                        await api(`/services/assistant/questions/${c.a.questionId}/unhelpful`, { method: 'POST' }).catch(() => undefined);
                        setChat((all) => all.map((y, j) => (j === i ? { ...y, flagged: true } : y)));
                      }}
                    >
                      {x('没有解决我的问题', 'This did not help')}
                    </Button>
                  ) : (
                    <p className="og-svc-item-meta">{x('已转给社区工作人员，会尽快答复您', 'Sent to the community staff')}</p>
                  )}
                </>
              ) : (
                <>
                  <p>{x('这个问题我暂时答不上来，已经转给社区工作人员。您也可以：', 'I cannot answer this yet; the staff will see your question. You can also:')}</p>
                  <div className="og-svc-actions">
                    <Link to="/h5/report" className="ant-btn ant-btn-default ant-btn-lg og-svc-big">
                      {x('反映问题（上报事件）', 'Report a problem')}
                    </Link>
                    <Link to="/h5/guide" className="ant-btn ant-btn-default ant-btn-lg og-svc-big">
                      {x('查看办事指南，在线申请', 'Apply for a service')}
                    </Link>
                  </div>
                </>
              )}
              {c.a.related.length > 0 && (
                <div>
                  <p className="og-svc-item-meta">{x('您可能还想问：', 'Related:')}</p>
                  {c.a.related.map((r) => (
                    <Button key={r.id} type="link" onClick={() => ask(r.title)}>
                      {r.title}
                    </Button>
                  ))}
                </div>
              )}
            </div>
          </div>
        ))}
      </div>
      <form
        className="og-h5-card"
        onSubmit={(e) => {
          e.preventDefault();
          void ask(q);
        }}
      >
        <label className="og-svc-label" htmlFor="assistant-q">
          {x('输入您的问题', 'Your question')}
        </label>
        <Input.TextArea id="assistant-q" rows={2} maxLength={300} value={q} onChange={(e) => setQ(e.target.value)} />
        <div className="og-svc-actions">
          <Button type="primary" htmlType="submit" size="large" className="og-svc-big" loading={busy} data-testid="assistant-ask">
            {x('提问', 'Ask')}
          </Button>
        </div>
      </form>
    </div>
  );
}
