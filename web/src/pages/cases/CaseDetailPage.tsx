import { Alert, Button, Card, Col, Descriptions, Empty, List, Rate, Row, Skeleton, Space, Tag, Typography } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMe } from '../../auth';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { ActionButtons } from './actions';
import { CHANNEL_NAMES, CaseTimeline, LocationText, Photos, PinMap, StateTag, fmt, useGridShapes, useX, type CaseView } from './common';
import './cases.css';

/** 案卷详情: every field, the pin, photos, the full timeline and the steps open to this user now. */
export default function CaseDetailPage() {
  const { id } = useParams<{ id: string }>();
  const x = useX();
  const { t } = useI18n();
  const me = useMe();
  const nav = useNavigate();
  const r = useApi<CaseView>(`/cases/${id}`);
  const grids = useGridShapes(me.permissions.includes('org.read'));
  if (r.error && !r.data) return <Alert type="error" showIcon title={errorText(r.error, t)} action={<Button onClick={r.reload}>{x('重试', 'Retry')}</Button>} />;
  const c = r.data;
  if (!c) return <Skeleton active />;
  const actions = (c.allowedActions ?? []).filter((a) => a !== 'note');
  return (
    <div className="og-case-detail" data-testid="case-detail">
      <Space style={{ marginBottom: 12 }} wrap>
        <Button icon={<ArrowLeftOutlined />} onClick={() => nav(-1)}>
          {x('返回', 'Back')}
        </Button>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {x('案卷', 'Case')} {c.number}
        </Typography.Title>
        <StateTag c={c} />
        {c.urgeCount > 0 && <Tag color="red">{x(`督办 ${c.urgeCount} 次`, `Urged ×${c.urgeCount}`)}</Tag>}
      </Space>
      <Card size="small" title={x('可执行的操作', 'What you can do')} style={{ marginBottom: 12 }} data-testid="case-actions">
        {actions.length ? (
          <ActionButtons c={c} actions={actions} onChanged={() => r.reload()} presets={{ verify: { passed: true } }} />
        ) : (
          <span className="og-case-muted">{x('当前没有您可以执行的操作', 'Nothing for you to do now')}</span>
        )}
        {(c.allowedActions ?? []).includes('note') && (
          <span style={{ marginLeft: 8 }}>
            <ActionButtons c={c} actions={['note']} size="small" onChanged={() => r.reload()} />
          </span>
        )}
      </Card>
      {c.pendingExtension && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          title={x(`延期申请待审批：${c.pendingExtension.hours} 小时，理由：${c.pendingExtension.reason}`, `Extension pending: ${c.pendingExtension.hours} h, ${c.pendingExtension.reason}`)}
        />
      )}
      {c.mergedInto && (
        <Alert type="info" showIcon style={{ marginBottom: 12 }} title={<Link to={`/cases/${c.mergedInto.id}`}>{x(`已合并到案卷 ${c.mergedInto.number}`, `Merged into ${c.mergedInto.number}`)}</Link>} />
      )}
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={14}>
          <Card size="small" title={x('基本信息', 'Details')}>
            <Descriptions column={{ xs: 1, sm: 2 }} size="small" bordered>
              <Descriptions.Item label={x('描述', 'Description')} span={2}>
                {c.description}
              </Descriptions.Item>
              <Descriptions.Item label={x('分类', 'Category')}>{c.category ? `${c.category.name}（${c.category.code}）` : x('待分类', 'Unclassified')}</Descriptions.Item>
              <Descriptions.Item label={x('优先级', 'Priority')}>{c.priority}</Descriptions.Item>
              <Descriptions.Item label={x('处置部门', 'Department')}>
                <span data-testid="case-department">{c.department ? `${c.department.name}（${c.department.code}）` : '—'}</span>
              </Descriptions.Item>
              <Descriptions.Item label={x('抄送', 'Copied to')}>{c.cc.map((d) => d.name).join('、') || '—'}</Descriptions.Item>
              <Descriptions.Item label={x('位置', 'Location')} span={2}>
                <LocationText c={c} />
              </Descriptions.Item>
              <Descriptions.Item label={x('来源', 'Channel')}>{x(...(CHANNEL_NAMES[c.channel] ?? [c.channel, c.channel]))}</Descriptions.Item>
              <Descriptions.Item label={x('报告人', 'Reporter')}>{c.anonymous ? x('匿名', 'Anonymous') : c.reporter ? [c.reporter.name, c.reporter.phone].filter(Boolean).join(' ') : '—'}</Descriptions.Item>
              <Descriptions.Item label={x('上报时间', 'Reported')}>{fmt(c.reportedAt)}</Descriptions.Item>
              <Descriptions.Item label={x('派遣时间', 'Dispatched')}>{fmt(c.dispatchedAt)}</Descriptions.Item>
              <Descriptions.Item label={x('签收时限', 'Accept by')}>{fmt(c.acceptDueAt)}</Descriptions.Item>
              <Descriptions.Item label={x('处置时限', 'Deadline')}>{fmt(c.deadlineAt)}</Descriptions.Item>
              <Descriptions.Item label={x('处置反馈', 'Resolved')}>{fmt(c.resolvedAt)}</Descriptions.Item>
              <Descriptions.Item label={x('结案时间', 'Closed')}>{fmt(c.closedAt)}</Descriptions.Item>
              <Descriptions.Item label={x('退回/返工/重办', 'Returns/rework/reopen')}>
                {c.returnCount} / {c.reworkCount} / {c.reopenCount}
              </Descriptions.Item>
              <Descriptions.Item label={x('评价', 'Rating')}>{c.rating ? <Rate disabled value={c.rating} /> : '—'}</Descriptions.Item>
              <Descriptions.Item label={x('查询码', 'Tracking code')}>{c.trackCode}</Descriptions.Item>
              <Descriptions.Item label={x('版本', 'Version')}>{c.version}</Descriptions.Item>
            </Descriptions>
          </Card>
          {c.possibleDuplicates && c.possibleDuplicates.length > 0 && (
            <Card size="small" title={x('疑似重复案卷', 'Possible duplicates')} style={{ marginTop: 12 }} data-testid="case-duplicates">
              <List
                size="small"
                dataSource={c.possibleDuplicates}
                renderItem={(d) => (
                  <List.Item>
                    <Link to={`/cases/${d.id}`}>{d.number}</Link> · {x(`相距 ${Math.round(d.distanceM)} 米`, `${Math.round(d.distanceM)} m away`)}
                  </List.Item>
                )}
              />
            </Card>
          )}
          <Card size="small" title={x('照片', 'Photos')} style={{ marginTop: 12 }}>
            {c.photos.length ? <Photos photos={c.photos} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={x('无照片', 'No photos')} />}
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card size="small" title={x('位置', 'Map')}>
            <PinMap value={c.location} grids={grids} height={240} />
          </Card>
          <Card size="small" title={x('办理过程', 'Timeline')} style={{ marginTop: 12 }}>
            <CaseTimeline items={c.timeline ?? []} />
          </Card>
        </Col>
      </Row>
    </div>
  );
}
