import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { Alert, App, Button, Card, Checkbox, Col, DatePicker, Descriptions, Empty, Form, Input, List, Modal, Radio, Result, Row, Select, Space, Table, Tag, Timeline, Typography } from 'antd';
import { DownloadOutlined, EyeOutlined, WarningOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { api, ApiError } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText, validValues } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { EVENT_TYPES, FOLLOWUP_OUTCOMES, JUDICIAL, PARTY_ROLES, RISKS, RULES, RiskTag, StateTag, TIERS, TYPES, fmt, useOptions, type Agreement, type DisputeDetail, type Expert, type Followup, type Session } from './common';

type ActionKind = 'accept' | 'reject' | 'escalate' | 'schedule' | 'refer' | 'risk' | 'contact' | 'assign' | 'outcome' | 'followup' | 'judicial';
interface Pending {
  kind: ActionKind;
  session?: Session;
  followup?: Followup;
  agreement?: Agreement;
}

/** One dispute: parties, tier and escalations, sessions and outcome, agreement (PDF), judicial confirmation, follow-ups. */
export default function DisputeDetailPage() {
  const { id } = useParams<{ id: string }>();
  const me = useMe();
  const { t, tl } = useI18n();
  const { message } = App.useApp();
  const options = useOptions();
  const [reveal, setReveal] = useState(false);
  const detail = useApi<DisputeDetail>(`/mediation/disputes/${id}`, { reveal: reveal || undefined });
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm();
  const suggestions = useApi<Expert[]>(pending?.kind === 'assign' ? `/mediation/disputes/${id}/suggestions` : null);
  const d = detail.data;
  const outcome = Form.useWatch('outcome', form);
  const mode = Form.useWatch('mode', form);

  if (detail.error && !d) {
    const status = detail.error instanceof ApiError ? detail.error.status : 0;
    return <Result status={status === 404 ? '404' : 'error'} title={errorText(detail.error, t)} />;
  }
  if (!d) return <Card loading />;
  const can = (a: string) => d.allowedActions.includes(a);

  const run = async (path: string, body: unknown, ok: string) => {
    setBusy(true);
    try {
      await api(path, { method: 'POST', body });
      message.success(ok);
      setPending(null);
      form.resetFields();
      detail.reload();
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  const submit = async () => {
    if (!pending) return;
    const v = await validValues(form);
    if (!v) return;
    const base = `/mediation/disputes/${d.id}`;
    switch (pending.kind) {
      case 'accept':
        return run(`${base}/accept`, { note: v.note || undefined }, tl({ zh: '已受理', en: 'Accepted' }));
      case 'reject':
        return run(`${base}/reject`, { reason: v.reason }, tl({ zh: '已作不予受理处理', en: 'Rejected' }));
      case 'escalate':
        return run(`${base}/escalate`, v, tl({ zh: '已上交', en: 'Escalated' }));
      case 'schedule':
        return run(`${base}/sessions`, { scheduledAt: (v.scheduledAt as dayjs.Dayjs).toISOString(), mode: v.mode, location: v.mode === 'in_person' ? v.location : undefined, meetingUrl: v.mode === 'online' ? v.meetingUrl : undefined }, tl({ zh: '已安排调解', en: 'Session scheduled' }));
      case 'refer':
        return run(`${base}/refer`, v, tl({ zh: '已记录引导去向', en: 'Referral recorded' }));
      case 'contact':
        return run(`${base}/contacts`, v, tl({ zh: '已登记', en: 'Recorded' }));
      case 'assign':
        return run(`${base}/mediators`, v, tl({ zh: '已邀请参与调解', en: 'Assigned' }));
      case 'risk': {
        setBusy(true);
        try {
          await api(base, { method: 'PATCH', body: { riskLevel: v.riskLevel, enterpriseRelated: v.enterpriseRelated, reason: v.reason || undefined } });
          setPending(null);
          detail.reload();
        } catch (err) {
          message.error(errorText(err, t));
        } finally {
          setBusy(false);
        }
        return;
      }
      case 'outcome': {
        const terms = String(v.terms ?? '').split('\n').map((x: string) => x.trim()).filter(Boolean);
        const present = new Set<string>(v.present ?? []);
        return run(
          `${base}/sessions/${pending.session!.id}/outcome`,
          {
            attendance: d.parties.map((p) => ({ name: p.name, role: tl(PARTY_ROLES[p.role]), present: present.has(p.id) })),
            notes: v.notes,
            outcome: v.outcome,
            terms: v.outcome === 'failed' ? undefined : terms,
            performance: v.outcome === 'failed' ? undefined : v.performance || undefined,
            referral: v.outcome === 'failed' && v.referTo ? { to: v.referTo, institution: v.institution, reason: v.referReason } : undefined,
          },
          tl({ zh: '已记录调解结果', en: 'Outcome recorded' }),
        );
      }
      case 'followup':
        return run(`/mediation/followups/${pending.followup!.id}`, { outcome: v.outcome, notes: v.notes, counselling: !!v.counselling }, tl({ zh: '已记录回访', en: 'Follow-up recorded' }));
      case 'judicial':
        return run(`/mediation/agreements/${pending.agreement!.id}/judicial`, { status: v.status, court: v.court || undefined, note: v.note || undefined }, tl({ zh: '已更新司法确认', en: 'Updated' }));
    }
  };

  const open = (p: Pending, initial: Record<string, unknown> = {}) => {
    form.resetFields();
    form.setFieldsValue(initial);
    setPending(p);
  };

  const sign = (a: Agreement) => run(`/mediation/agreements/${a.id}/sign`, {}, tl({ zh: '已登记签署', en: 'Signed' }));

  const titles: Record<ActionKind, string> = {
    accept: tl({ zh: '受理申请', en: 'Accept' }),
    reject: tl({ zh: '不予受理', en: 'Reject' }),
    escalate: tl({ zh: '上交上级调处中心', en: 'Escalate' }),
    schedule: tl({ zh: '安排调解', en: 'Schedule a session' }),
    refer: tl({ zh: '引导诉讼/仲裁', en: 'Refer to court or arbitration' }),
    risk: tl({ zh: '风险与涉企标记', en: 'Risk and enterprise flag' }),
    contact: tl({ zh: '登记来访来电', en: 'Record a contact' }),
    assign: tl({ zh: '邀请调解员/专家', en: 'Bring in a mediator or expert' }),
    outcome: tl({ zh: '记录调解结果', en: 'Record the outcome' }),
    followup: tl({ zh: '记录回访', en: 'Record the follow-up visit' }),
    judicial: tl({ zh: '司法确认', en: 'Judicial confirmation' }),
  };

  return (
    <div className="og-page" data-testid="dispute-detail">
      <Card size="small">
        <Space wrap style={{ justifyContent: 'space-between', width: '100%' }}>
          <Space wrap>
            <Typography.Title level={4} style={{ margin: 0 }}>{d.title}</Typography.Title>
            <Typography.Text type="secondary" className="og-mono">{d.number}</Typography.Text>
            <span data-testid="dispute-state"><StateTag state={d.state} /></span>
            <Tag color="geekblue" data-testid="dispute-tier">{tl(TIERS[d.tier])}</Tag>
            <RiskTag risk={d.riskLevel} />
            {d.enterpriseRelated && <Tag color="magenta">{tl({ zh: '涉企优先', en: 'Enterprise priority' })}</Tag>}
            {d.warned && <Tag color="red" icon={<WarningOutlined />}>{tl({ zh: '预警', en: 'Warning' })}</Tag>}
          </Space>
          <Space wrap>
            {can('accept') && <Button type="primary" onClick={() => open({ kind: 'accept' })}>{titles.accept}</Button>}
            {can('reject') && <Button danger onClick={() => open({ kind: 'reject' })}>{titles.reject}</Button>}
            {can('schedule') && <Button type="primary" onClick={() => open({ kind: 'schedule' }, { mode: 'in_person', scheduledAt: dayjs().add(1, 'day').hour(9).minute(30).second(0) })}>{titles.schedule}</Button>}
            {can('assign') && <Button onClick={() => open({ kind: 'assign' }, { role: 'people' })}>{tl({ zh: '邀请调解员', en: 'Add mediator' })}</Button>}
            {can('escalate') && <Button onClick={() => open({ kind: 'escalate' }, { toTier: d.tier === 'grid' ? 'street' : 'district' })}>{tl({ zh: '上交', en: 'Escalate' })}</Button>}
            {can('refer') && <Button onClick={() => open({ kind: 'refer' }, { to: 'court' })}>{tl({ zh: '引导诉讼/仲裁', en: 'Refer' })}</Button>}
            {can('risk') && <Button onClick={() => open({ kind: 'risk' }, { riskLevel: d.riskLevel, enterpriseRelated: d.enterpriseRelated })}>{tl({ zh: '风险等级', en: 'Risk' })}</Button>}
            {can('contact') && <Button onClick={() => open({ kind: 'contact' }, { channel: 'visit' })}>{tl({ zh: '登记来访', en: 'Contact' })}</Button>}
          </Space>
        </Space>
      </Card>

      {d.warnings.filter((w) => w.status === 'open').map((w) => (
        <Alert key={w.id} type="error" showIcon style={{ marginTop: 12 }} title={`${tl(RULES[w.rule])}：${w.detail}`} />
      ))}

      <Row gutter={12} style={{ marginTop: 12 }}>
        <Col xs={24} lg={14}>
          <Card size="small" title={tl({ zh: '纠纷情况', en: 'The dispute' })}>
            <Descriptions size="small" column={{ xs: 1, sm: 2 }} items={[
              { key: 'type', label: tl({ zh: '类型', en: 'Type' }), children: tl(TYPES[d.type]) },
              { key: 'place', label: tl({ zh: '发生地', en: 'Place' }), children: d.placeName ?? '-' },
              { key: 'source', label: tl({ zh: '来源', en: 'Source' }), children: d.source === 'online' ? tl({ zh: '在线申请', en: 'Online application' }) : d.source === 'case' ? tl({ zh: '案卷转入', en: 'From a case' }) : d.source === 'grid' ? tl({ zh: '网格员发现', en: 'Grid worker' }) : tl({ zh: '调解员登记', en: 'Mediator' }) },
              { key: 'created', label: tl({ zh: '登记时间', en: 'Created' }), children: fmt(d.createdAt) },
              { key: 'desc', label: tl({ zh: '经过', en: 'What happened' }), span: 2, children: d.description },
              { key: 'claims', label: tl({ zh: '诉求', en: 'Claims' }), span: 2, children: d.claims ?? '-' },
              ...(d.referral ? [{ key: 'ref', label: tl({ zh: '引导去向', en: 'Referred to' }), span: 2, children: `${d.referral.institution}：${d.referral.reason}` }] : []),
              ...(d.rejectReason ? [{ key: 'rej', label: tl({ zh: '不予受理理由', en: 'Reason' }), span: 2, children: d.rejectReason }] : []),
            ]} />
          </Card>

          <Card size="small" style={{ marginTop: 12 }} title={tl({ zh: '当事人', en: 'Parties' })} extra={hasPermission(me, 'pii.reveal') && d.masked ? <Button size="small" type="link" icon={<EyeOutlined />} onClick={() => setReveal(true)}>{tl({ zh: '查看完整联系方式', en: 'Show contacts' })}</Button> : null}>
            <Table size="small" rowKey="id" pagination={false} dataSource={d.parties} data-testid="parties-table" columns={[
              { title: tl({ zh: '身份', en: 'Role' }), dataIndex: 'role', width: 90, render: (r: keyof typeof PARTY_ROLES) => tl(PARTY_ROLES[r]) },
              { title: tl({ zh: '姓名/名称', en: 'Name' }), dataIndex: 'name', render: (n: string, p) => (p.kind === 'enterprise' ? <Space size={4}>{n}<Tag>{tl({ zh: '企业', en: 'Enterprise' })}</Tag></Space> : n) },
              { title: tl({ zh: '电话', en: 'Phone' }), dataIndex: 'phone', render: (x: string | null) => <span className="og-mono">{x ?? '-'}</span> },
            ]} />
          </Card>

          <Card size="small" style={{ marginTop: 12 }} title={tl({ zh: '调解场次', en: 'Sessions' })}>
            {d.sessions.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} /> : (
              <List dataSource={d.sessions} renderItem={(s) => (
                <List.Item data-testid="session-item" actions={s.status === 'scheduled' && can('schedule') ? [<Button key="o" type="link" onClick={() => open({ kind: 'outcome', session: s }, { outcome: 'agreement', present: d.parties.map((p) => p.id) })}>{titles.outcome}</Button>] : []}>
                  <List.Item.Meta
                    title={<Space wrap>{fmt(s.scheduledAt)}<Tag>{s.mode === 'online' ? tl({ zh: '线上', en: 'Online' }) : tl({ zh: '现场', en: 'In person' })}</Tag>{s.status === 'scheduled' ? <Tag color="blue">{tl({ zh: '待进行', en: 'Scheduled' })}</Tag> : s.status === 'cancelled' ? <Tag>{tl({ zh: '已取消', en: 'Cancelled' })}</Tag> : <Tag color={s.outcome === 'failed' ? 'volcano' : 'green'}>{s.outcome === 'agreement' ? tl({ zh: '达成协议', en: 'Agreement' }) : s.outcome === 'partial' ? tl({ zh: '部分达成', en: 'Partial' }) : tl({ zh: '调解不成', en: 'Failed' })}</Tag>}</Space>}
                    description={<>{s.location ?? s.meetingUrl}{s.notes ? <div>{s.notes}</div> : null}{s.attendance.length ? <div>{tl({ zh: '出席：', en: 'Present: ' })}{s.attendance.filter((a) => a.present).map((a) => a.name).join('、') || '-'}</div> : null}</>}
                  />
                </List.Item>
              )} />
            )}
          </Card>

          <Card size="small" style={{ marginTop: 12 }} title={tl({ zh: '调解协议', en: 'Agreements' })}>
            {d.agreements.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} /> : d.agreements.map((a) => (
              <Card key={a.id} type="inner" size="small" style={{ marginBottom: 8, opacity: a.superseded ? 0.6 : 1 }} data-testid="agreement-card"
                title={<Space wrap>{a.number}{a.kind === 'partial' && <Tag color="cyan">{tl({ zh: '部分协议', en: 'Partial' })}</Tag>}{a.superseded && <Tag>{tl({ zh: '已失效', en: 'Superseded' })}</Tag>}<Tag color={a.signed ? 'green' : 'default'}>{a.signed ? tl({ zh: '已签署', en: 'Signed' }) : tl({ zh: '未签署', en: 'Not signed' })}</Tag><Tag color={a.judicialStatus === 'confirmed' ? 'green' : a.judicialStatus === 'refused' ? 'red' : 'default'}>{tl(JUDICIAL[a.judicialStatus])}</Tag></Space>}
                extra={<Space>
                  <a href={a.pdfUrl} download data-testid="agreement-pdf"><DownloadOutlined /> {tl({ zh: '下载协议书', en: 'Download PDF' })}</a>
                  {!a.superseded && !a.signed && d.allowedActions.length > 0 && <Button size="small" onClick={() => sign(a)}>{tl({ zh: '登记已签署', en: 'Mark signed' })}</Button>}
                  {!a.superseded && a.signed && d.allowedActions.length > 0 && a.judicialStatus !== 'confirmed' && <Button size="small" onClick={() => open({ kind: 'judicial', agreement: a }, { status: a.judicialStatus === 'filed' ? 'confirmed' : 'filed', court: a.judicialCourt ?? '天心区人民法院' })}>{tl({ zh: '司法确认', en: 'Judicial' })}</Button>}
                </Space>}>
                <ol style={{ margin: 0, paddingLeft: 20 }}>{a.terms.map((x, i) => <li key={i}>{x}</li>)}</ol>
                {a.performance && <Typography.Paragraph type="secondary" style={{ margin: '6px 0 0' }}>{a.performance}</Typography.Paragraph>}
              </Card>
            ))}
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card size="small" title={tl({ zh: '调解员（三调联动）', en: 'Mediators' })}>
            {d.mediators.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} /> : (
              <List size="small" dataSource={d.mediators} renderItem={(m) => (
                <List.Item><Space wrap>{m.name}<Tag>{m.kindName}</Tag><Tag color="blue">{m.mediationTypeName}</Tag>{m.role === 'lead' && <Tag color="gold">{tl({ zh: '主调', en: 'Lead' })}</Tag>}{m.role === 'counsellor' && <Tag color="purple">{tl({ zh: '心理疏导', en: 'Counselling' })}</Tag>}<Typography.Text type="secondary">{m.organization}</Typography.Text></Space></List.Item>
              )} />
            )}
          </Card>
          <Card size="small" style={{ marginTop: 12 }} title={tl({ zh: '回访', en: 'Follow-up visits' })}>
            {d.followups.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={tl({ zh: '达成协议后自动安排第7天、第30天回访', en: 'Visits at 7 and 30 days are scheduled with the agreement' })} /> : (
              <List size="small" dataSource={d.followups} renderItem={(f) => (
                <List.Item data-testid="followup-item" actions={(f.status === 'due' || f.status === 'scheduled') && d.allowedActions.includes('followup') ? [<Button key="v" size="small" type="link" onClick={() => open({ kind: 'followup', followup: f }, { outcome: 'kept' })}>{tl({ zh: '记录', en: 'Record' })}</Button>] : []}>
                  <Space wrap>
                    {tl({ zh: `第${f.dayOffset}天`, en: `Day ${f.dayOffset}` })}
                    <span>{fmt(f.dueAt)}</span>
                    <Tag color={f.status === 'due' ? 'orange' : f.status === 'done' ? 'green' : 'default'}>{f.status === 'scheduled' ? tl({ zh: '已安排', en: 'Scheduled' }) : f.status === 'due' ? tl({ zh: '待回访', en: 'Due' }) : f.status === 'done' ? tl({ zh: '已回访', en: 'Done' }) : tl({ zh: '已取消', en: 'Cancelled' })}</Tag>
                    {f.outcome && <Tag color={f.outcome === 'broken' ? 'red' : 'green'}>{tl(FOLLOWUP_OUTCOMES[f.outcome])}</Tag>}
                    {f.counselling && <Tag color="purple">{tl({ zh: '心理疏导', en: 'Counselling' })}</Tag>}
                  </Space>
                </List.Item>
              )} />
            )}
          </Card>
          <Card size="small" style={{ marginTop: 12 }} title={tl({ zh: '层级与上交', en: 'Tier and escalation' })}>
            <Typography.Paragraph>{tl({ zh: '当前层级：', en: 'Now at: ' })}<b>{tl(TIERS[d.tier])}</b></Typography.Paragraph>
            {d.escalations.length > 0 && <Timeline items={d.escalations.map((e) => ({ key: e.at, content: <>{fmt(e.at)} {tl(TIERS[e.fromTier])} → {tl(TIERS[e.toTier])}<div><Typography.Text type="secondary">{e.reason}（{e.byName}）</Typography.Text></div></> }))} />}
          </Card>
          <Card size="small" style={{ marginTop: 12 }} title={tl({ zh: '办理记录', en: 'Timeline' })}>
            <Timeline items={d.timeline.map((e) => ({ key: e.id, content: <><Typography.Text type="secondary">{fmt(e.at)}</Typography.Text> {e.actor} · {EVENT_TYPES[e.type] ? tl(EVENT_TYPES[e.type]!) : e.type}{e.note ? <div>{e.note}</div> : null}</> }))} />
          </Card>
        </Col>
      </Row>

      <Modal open={pending !== null} title={pending ? titles[pending.kind] : ''} onCancel={() => setPending(null)} onOk={submit} confirmLoading={busy} okText={t('common.confirm')} cancelText={t('common.cancel')} width={600} forceRender>
        <Form form={form} layout="vertical">
          {pending?.kind === 'accept' && <Form.Item name="note" label={tl({ zh: '备注', en: 'Note' })}><Input.TextArea rows={2} maxLength={500} /></Form.Item>}
          {(pending?.kind === 'reject') && <Form.Item name="reason" label={tl({ zh: '理由', en: 'Reason' })} rules={[{ required: true, min: 2 }]}><Input.TextArea rows={3} maxLength={500} /></Form.Item>}
          {pending?.kind === 'escalate' && (
            <>
              <Form.Item name="toTier" label={tl({ zh: '上交至', en: 'To' })} rules={[{ required: true }]}>
                <Radio.Group options={(['street', 'district'] as const).filter((x) => (d.tier === 'grid' ? true : x === 'district')).map((x) => ({ value: x, label: tl(TIERS[x]) }))} />
              </Form.Item>
              <Form.Item name="reason" label={tl({ zh: '上交理由', en: 'Reason' })} rules={[{ required: true, min: 2, message: tl({ zh: '请填写上交理由', en: 'Give the reason' }) }]}><Input.TextArea rows={3} maxLength={500} /></Form.Item>
            </>
          )}
          {pending?.kind === 'schedule' && (
            <>
              <Form.Item name="scheduledAt" label={tl({ zh: '时间', en: 'When' })} rules={[{ required: true }]}><DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" /></Form.Item>
              <Form.Item name="mode" label={tl({ zh: '方式', en: 'Mode' })}><Radio.Group options={[{ value: 'in_person', label: tl({ zh: '现场调解', en: 'In person' }) }, { value: 'online', label: tl({ zh: '线上调解', en: 'Online' }) }]} /></Form.Item>
              {mode === 'online'
                ? <Form.Item name="meetingUrl" label={tl({ zh: '会议链接或会议号', en: 'Meeting link or number' })} rules={[{ required: true }]}><Input maxLength={500} /></Form.Item>
                : <Form.Item name="location" label={tl({ zh: '地点', en: 'Place' })} rules={[{ required: true, message: tl({ zh: '请填写地点', en: 'Enter the place' }) }]}><Input maxLength={200} /></Form.Item>}
            </>
          )}
          {pending?.kind === 'refer' && (
            <>
              <Form.Item name="to" label={tl({ zh: '引导至', en: 'Refer to' })}><Radio.Group options={[{ value: 'court', label: tl({ zh: '法院', en: 'Court' }) }, { value: 'arbitration', label: tl({ zh: '仲裁', en: 'Arbitration' }) }, { value: 'administrative', label: tl({ zh: '行政机关', en: 'Administrative body' }) }]} /></Form.Item>
              <Form.Item name="institution" label={tl({ zh: '机构名称', en: 'Institution' })} rules={[{ required: true }]}><Input maxLength={100} /></Form.Item>
              <Form.Item name="reason" label={tl({ zh: '说明', en: 'Reason' })} rules={[{ required: true, min: 2 }]}><Input.TextArea rows={2} maxLength={500} /></Form.Item>
            </>
          )}
          {pending?.kind === 'risk' && (
            <>
              <Form.Item name="riskLevel" label={tl({ zh: '风险等级', en: 'Risk' })}><Radio.Group options={options(RISKS)} /></Form.Item>
              <Form.Item name="enterpriseRelated" valuePropName="checked"><Checkbox>{tl({ zh: '涉企纠纷（优先办理）', en: 'Enterprise-related (priority)' })}</Checkbox></Form.Item>
              <Form.Item name="reason" label={tl({ zh: '说明', en: 'Reason' })}><Input maxLength={500} /></Form.Item>
            </>
          )}
          {pending?.kind === 'contact' && (
            <>
              <Form.Item name="channel" label={tl({ zh: '方式', en: 'Channel' })}><Radio.Group options={[{ value: 'visit', label: tl({ zh: '来访', en: 'Visit' }) }, { value: 'phone', label: tl({ zh: '来电', en: 'Phone' }) }, { value: 'petition', label: tl({ zh: '信访', en: 'Petition' }) }, { value: 'online', label: tl({ zh: '网上', en: 'Online' }) }]} /></Form.Item>
              <Form.Item name="note" label={tl({ zh: '内容', en: 'Note' })} rules={[{ required: true }]}><Input.TextArea rows={2} maxLength={1000} /></Form.Item>
            </>
          )}
          {pending?.kind === 'assign' && (
            <>
              <Form.Item name="expertId" label={tl({ zh: '推荐人选（按专长、距离、在办量）', en: 'Suggested (expertise, place, load)' })} rules={[{ required: true }]}>
                <Select loading={suggestions.loading} options={(suggestions.data ?? []).map((e) => ({ value: e.id, label: `${e.name}（${e.kindName}·${e.mediationTypeName}·${e.tierName}）${(e.reasons ?? []).join('，')}` }))} />
              </Form.Item>
              <Form.Item name="role" label={tl({ zh: '角色', en: 'Role' })}>
                <Select options={[{ value: 'lead', label: tl({ zh: '主调', en: 'Lead' }) }, { value: 'people', label: tl({ zh: '人民调解', en: "People's" }) }, { value: 'administrative', label: tl({ zh: '行政调解', en: 'Administrative' }) }, { value: 'judicial', label: tl({ zh: '司法调解', en: 'Judicial' }) }, { value: 'counsellor', label: tl({ zh: '心理疏导', en: 'Counselling' }) }]} />
              </Form.Item>
            </>
          )}
          {pending?.kind === 'outcome' && (
            <>
              <Form.Item name="present" label={tl({ zh: '出席', en: 'Present' })}><Checkbox.Group options={d.parties.map((p) => ({ value: p.id, label: p.name }))} /></Form.Item>
              <Form.Item name="notes" label={tl({ zh: '调解笔录', en: 'Notes' })} rules={[{ required: true }]}><Input.TextArea rows={3} maxLength={4000} /></Form.Item>
              <Form.Item name="outcome" label={tl({ zh: '结果', en: 'Outcome' })}><Radio.Group options={[{ value: 'agreement', label: tl({ zh: '达成协议', en: 'Agreement' }) }, { value: 'partial', label: tl({ zh: '部分达成', en: 'Partial' }) }, { value: 'failed', label: tl({ zh: '调解不成', en: 'Failed' }) }]} /></Form.Item>
              {outcome !== 'failed' ? (
                <>
                  <Form.Item name="terms" label={tl({ zh: '协议条款（每行一条）', en: 'Terms (one per line)' })} rules={[{ required: true, message: tl({ zh: '请填写协议条款', en: 'Enter the terms' }) }]}><Input.TextArea rows={4} /></Form.Item>
                  <Form.Item name="performance" label={tl({ zh: '履行方式、时限', en: 'Performance' })}><Input maxLength={1000} /></Form.Item>
                </>
              ) : (
                <>
                  <Form.Item name="referTo" label={tl({ zh: '引导至（可选）', en: 'Refer to (optional)' })}><Select allowClear options={[{ value: 'court', label: tl({ zh: '法院', en: 'Court' }) }, { value: 'arbitration', label: tl({ zh: '仲裁', en: 'Arbitration' }) }]} /></Form.Item>
                  <Form.Item name="institution" label={tl({ zh: '机构名称', en: 'Institution' })}><Input maxLength={100} /></Form.Item>
                  <Form.Item name="referReason" label={tl({ zh: '说明', en: 'Reason' })}><Input maxLength={500} /></Form.Item>
                </>
              )}
            </>
          )}
          {pending?.kind === 'followup' && (
            <>
              <Form.Item name="outcome" label={tl({ zh: '履行情况', en: 'Kept?' })}><Radio.Group options={options(FOLLOWUP_OUTCOMES)} /></Form.Item>
              <Form.Item name="notes" label={tl({ zh: '回访记录', en: 'Notes' })} rules={[{ required: true }]}><Input.TextArea rows={3} maxLength={2000} /></Form.Item>
              <Form.Item name="counselling" valuePropName="checked"><Checkbox>{tl({ zh: '转介心理疏导', en: 'Refer to counselling' })}</Checkbox></Form.Item>
            </>
          )}
          {pending?.kind === 'judicial' && (
            <>
              <Form.Item name="status" label={tl({ zh: '状态', en: 'Status' })}><Radio.Group options={(['filed', 'confirmed', 'refused'] as const).map((s) => ({ value: s, label: tl(JUDICIAL[s]) }))} /></Form.Item>
              <Form.Item name="court" label={tl({ zh: '法院', en: 'Court' })}><Input maxLength={100} /></Form.Item>
              <Form.Item name="note" label={tl({ zh: '文书号/说明', en: 'Note' })}><Input maxLength={1000} /></Form.Item>
            </>
          )}
        </Form>
      </Modal>
    </div>
  );
}
