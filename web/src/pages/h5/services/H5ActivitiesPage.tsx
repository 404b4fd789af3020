import { useEffect, useState } from 'react';
import { Alert, App, Button, Skeleton } from 'antd';
import { useSearchParams } from 'react-router-dom';
import { api } from '../../../api';
import { useApi } from '../../../hooks';
import { useI18n } from '../../../i18n';
import { errorText } from '../../../errors';
import { fmt, Loadable, useX } from './common';
import './services.css';

interface Signup {
  id: string;
  status: 'confirmed' | 'waiting' | 'cancelled';
  statusName: string;
  position: number | null;
  checkedInAt: string | null;
}
interface Activity {
  id: string;
  title: string;
  kindName: string;
  description: string;
  node: { name: string };
  location: string;
  startsAt: string;
  endsAt: string;
  capacity: number;
  confirmed: number;
  waiting: number;
  eligibility: string;
  mine: Signup | null;
  eligible: { ok: boolean; reason: string | null };
}

/** 社区活动: what is on, sign-up with the waiting list, and the QR check-in target (?checkin=&t=). */
export default function H5ActivitiesPage() {
  const x = useX();
  const [params, setParams] = useSearchParams();
  const id = params.get('id');
  const checkin = params.get('checkin');
  const list = useApi<Activity[]>(id || checkin ? null : '/services/my/activities');
  if (checkin) return <CheckIn activityId={checkin} token={params.get('t') ?? ''} />;
  if (id) return <ActivityDetail id={id} onBack={() => setParams(new URLSearchParams())} />;
  return (
    <Loadable state={list} empty={(d) => d.length === 0}>
      {(items) => (
        <ul className="og-svc-list" aria-label={x('活动列表', 'Activities')}>
          {items.map((a) => (
            <li key={a.id}>
              <button type="button" className="og-svc-item" data-testid="activity-item" onClick={() => setParams(new URLSearchParams({ id: a.id }))}>
                <span className="og-svc-item-title">{a.title}</span>
                <span className="og-svc-item-meta">
                  {fmt(a.startsAt)} · {a.location}
                </span>
                <span className="og-svc-item-meta">
                  {a.kindName} · {x(`已报 ${a.confirmed}/${a.capacity}`, `${a.confirmed}/${a.capacity} signed up`)}
                  {a.mine ? ` · ${a.mine.statusName}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Loadable>
  );
}

function ActivityDetail({ id, onBack }: { id: string; onBack: () => void }) {
  const { t } = useI18n();
  const x = useX();
  const { message, modal } = App.useApp();
  const a = useApi<Activity>(`/services/my/activities/${id}`);
  const [busy, setBusy] = useState(false);
  const act = async (path: string, ok: (r: unknown) => string) => {
    setBusy(true);
    try {
      const r = await api(path, { method: 'POST', body: {} });
      message.success(ok(r));
      a.reload();
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Loadable state={a}>
      {(v) => (
        <article className="og-h5-card">
          <h2 className="og-h5-card-title">{v.title}</h2>
          <ul className="og-svc-facts">
            <li>
              <b>{x('时间', 'Time')}</b> {fmt(v.startsAt, true)} – {fmt(v.endsAt).slice(6)}
            </li>
            <li>
              <b>{x('地点', 'Place')}</b> {v.location}
            </li>
            <li>
              <b>{x('名额', 'Places')}</b> {x(`${v.capacity} 人，已报名 ${v.confirmed} 人，候补 ${v.waiting} 人`, `${v.capacity}; ${v.confirmed} signed up, ${v.waiting} waiting`)}
            </li>
            <li>
              <b>{x('报名条件', 'Who can join')}</b> {v.eligibility}
            </li>
          </ul>
          {v.description && <div className="og-svc-body">{v.description}</div>}
          <div className="og-svc-actions">
            {v.mine ? (
              <>
                <div className={`og-svc-result${v.mine.status === 'waiting' ? ' warn' : ''}`} data-testid="signup-status" role="status">
                  {v.mine.status === 'waiting'
                    ? x(`您在候补名单第 ${v.mine.position} 位，有人取消后自动递补`, `You are number ${v.mine.position} on the waiting list`)
                    : v.mine.checkedInAt
                      ? x(`已签到（${fmt(v.mine.checkedInAt)}）`, `Checked in (${fmt(v.mine.checkedInAt)})`)
                      : x('报名成功，请按时参加，到场后扫码签到', 'You are signed up. Scan the QR code at the venue to check in.')}
                </div>
                {!v.mine.checkedInAt && (
                  <Button
                    size="large"
                    className="og-svc-big"
                    disabled={busy}
                    onClick={() =>
                      modal.confirm({
                        title: x('确定取消报名吗？', 'Cancel your sign-up?'),
                        okText: x('取消报名', 'Cancel sign-up'),
                        cancelText: t('common.back'),
                        onOk: () => act(`/services/activities/${id}/signup/cancel`, () => x('已取消报名', 'Sign-up cancelled')),
                      })
                    }
                  >
                    {x('取消报名', 'Cancel sign-up')}
                  </Button>
                )}
              </>
            ) : v.eligible.ok ? (
              <Button type="primary" size="large" className="og-svc-big" loading={busy} data-testid="signup-button" onClick={() => act(`/services/activities/${id}/signup`, (r) => ((r as Signup).status === 'waiting' ? x('名额已满，已进入候补', 'Full: you are on the waiting list') : x('报名成功', 'Signed up')))}>
                {v.confirmed >= v.capacity ? x('名额已满，排队候补', 'Join the waiting list') : x('我要报名', 'Sign up')}
              </Button>
            ) : (
              <Alert type="warning" showIcon title={v.eligible.reason} />
            )}
            <Button size="large" className="og-svc-big" onClick={onBack}>
              {x('返回活动列表', 'Back to activities')}
            </Button>
          </div>
        </article>
      )}
    </Loadable>
  );
}

/** The page the venue's QR code opens: checks the resident in at once. */
function CheckIn({ activityId, token }: { activityId: string; token: string }) {
  const { t } = useI18n();
  const x = useX();
  const [, setParams] = useSearchParams();
  const [state, setState] = useState<{ ok?: { activityTitle: string; already: boolean; checkedInAt: string }; err?: unknown }>({});
  useEffect(() => {
    api<{ activityTitle: string; already: boolean; checkedInAt: string }>(`/services/activities/${activityId}/checkin`, { method: 'POST', body: { token } }).then(
      (ok) => setState({ ok }),
      (err) => setState({ err }),
    );
  }, [activityId, token]);
  if (!state.ok && !state.err) return <Skeleton active />;
  return (
    <section className="og-h5-card">
      {state.ok ? (
        <div className="og-svc-result" role="status" data-testid="checkin-result">
          <h2 className="og-h5-card-title">{state.ok.already ? x('您已签到过了', 'Already checked in') : x('签到成功', 'Checked in')}</h2>
          <p>
            {state.ok.activityTitle} · {fmt(state.ok.checkedInAt)}
          </p>
        </div>
      ) : (
        <Alert type="error" showIcon title={errorText(state.err, t)} data-testid="checkin-error" />
      )}
      <div className="og-svc-actions">
        <Button size="large" className="og-svc-big" onClick={() => setParams(new URLSearchParams({ id: activityId }))}>
          {x('查看活动', 'View the activity')}
        </Button>
      </div>
    </section>
  );
}
