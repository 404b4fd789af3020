import { Button, Steps } from 'antd';
import { useApi } from '../../../hooks';
import { fmt, Loadable, useDetailParam, useX } from './common';
import './services.css';

interface Application {
  id: string;
  number: string;
  matter: { name: string; desk: string };
  status: string;
  statusName: string;
  dueAt: string;
  result: string | null;
  proxyStaffName: string | null;
  createdAt: string;
  events?: Array<{ at: string; actorName: string; action: string; note: string | null }>;
}

/** 我的办事: the resident's applications and where each stands. */
export default function H5ApplicationsPage() {
  const x = useX();
  const [id, setId] = useDetailParam();
  const list = useApi<Application[]>(id ? null : '/services/my/applications');
  const one = useApi<Application>(id ? `/services/applications/${id}` : null);
  if (id)
    return (
      <Loadable state={one}>
        {(a) => (
          <article className="og-h5-card">
            <h2 className="og-h5-card-title">{a.matter.name}</h2>
            <div className={`og-svc-result${['approved'].includes(a.status) ? '' : ' warn'}`} role="status" data-testid="application-status">
              {a.statusName}
              {a.result ? `：${a.result}` : ''}
            </div>
            <ul className="og-svc-facts">
              <li>
                <b>{x('受理编号', 'Number')}</b> {a.number}
              </li>
              <li>
                <b>{x('承诺办结', 'Due')}</b> {fmt(a.dueAt, true)}
              </li>
              <li>
                <b>{x('办理窗口', 'Desk')}</b> {a.matter.desk}
              </li>
              {a.proxyStaffName && (
                <li>
                  <b>{x('代办人员', 'Applied by')}</b> {a.proxyStaffName}
                </li>
              )}
            </ul>
            <Steps direction="vertical" size="small" current={(a.events?.length ?? 1) - 1} items={(a.events ?? []).map((e) => ({ title: e.action, description: `${fmt(e.at)} ${e.actorName}${e.note ? `：${e.note}` : ''}` }))} />
            <div className="og-svc-actions">
              <Button size="large" className="og-svc-big" onClick={() => setId(null)}>
                {x('返回我的办事', 'Back')}
              </Button>
            </div>
          </article>
        )}
      </Loadable>
    );
  return (
    <Loadable state={list} empty={(d) => d.length === 0}>
      {(items) => (
        <ul className="og-svc-list" aria-label={x('我的办事', 'My applications')}>
          {items.map((a) => (
            <li key={a.id}>
              <button type="button" className="og-svc-item" data-testid="application-item" onClick={() => setId(a.id)}>
                <span className="og-svc-item-title">{a.matter.name}</span>
                <span className="og-svc-item-meta">
                  {a.statusName} · {a.number} · {fmt(a.createdAt)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Loadable>
  );
}
