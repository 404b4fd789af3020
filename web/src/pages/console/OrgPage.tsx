import { lazy, Suspense, useMemo, useState, type Key, type ReactNode } from 'react';
import { Alert, Button, Card, Col, Descriptions, Empty, Grid, Input, Row, Skeleton, Space, Tag, Tree, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import type { DataNode } from 'antd/es/tree';
import { useApi } from '../../hooks';
import { errorText } from '../../errors';
import { useI18n } from '../../i18n';
import type { Department, Level, OrgNode } from '../../types';
import { LEVEL_STYLE } from '../../components/orgStyle';

const OrgMap = lazy(() => import('../../components/OrgMap'));

const LEVELS: Level[] = ['street', 'community', 'estate', 'grid'];
const LEVEL_COLOR: Record<string, string> = { street: 'default', community: 'blue', estate: 'green', grid: 'orange' };

function buildTree(nodes: OrgNode[], filter: string, label: (n: OrgNode) => ReactNode): { tree: DataNode[]; expand: string[] } {
  const ids = new Set(nodes.map((n) => n.id));
  const children = new Map<string | null, OrgNode[]>();
  for (const n of nodes) {
    const parent = n.parentId && ids.has(n.parentId) ? n.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(n);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.code.localeCompare(b.code));
  const q = filter.trim().toLowerCase();
  const expand: string[] = [];
  const walk = (parent: string | null): DataNode[] =>
    (children.get(parent) ?? []).flatMap((n) => {
      const kids = walk(n.id);
      const hit = !q || n.name.toLowerCase().includes(q) || n.code.toLowerCase().includes(q);
      if (!hit && kids.length === 0) return [];
      if (kids.length && (q || n.level === 'street')) expand.push(n.id);
      return [{ key: n.id, title: label(n), children: kids.length ? kids : undefined, isLeaf: kids.length === 0 }];
    });
  return { tree: walk(null), expand };
}

/** 组织架构: the district tree beside a map of its boundaries, and the selected node's details. */
export default function OrgPage() {
  const { t } = useI18n();
  const screens = Grid.useBreakpoint();
  const nodes = useApi<OrgNode[]>('/org/nodes', { level: LEVELS, geometry: true });
  const departments = useApi<Department[]>('/org/departments');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [expanded, setExpanded] = useState<Key[] | null>(null);

  const list = useMemo(() => nodes.data ?? [], [nodes.data]);
  const byId = useMemo(() => new Map(list.map((n) => [n.id, n])), [list]);
  const { tree, expand } = useMemo(
    () =>
      buildTree(list, filter, (n) => (
        <span className="og-tree-title">
          <Tag color={LEVEL_COLOR[n.level]} className="og-tree-tag">
            {t(`level.${n.level}`)}
          </Tag>
          <span>{n.name}</span>
        </span>
      )),
    [list, filter, t],
  );
  const selected = selectedId ? byId.get(selectedId) : undefined;
  const childCount = selected ? list.filter((n) => n.parentId === selected.id).length : 0;
  const company = selected?.props.propertyCompanyCode ? departments.data?.find((d) => d.code === selected.props.propertyCompanyCode) : undefined;

  if (nodes.error) return <Alert type="error" showIcon title={errorText(nodes.error, t)} action={<Button onClick={nodes.reload}>{t('common.retry')}</Button>} />;

  return (
    <div className="og-page">
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={8} xl={6}>
          <Card size="small" title={t('org.tree')} extra={<Button size="small" icon={<DownloadOutlined />} href="/api/org/geojson" download>{screens.sm ? t('org.export') : null}</Button>}>
            <Input.Search allowClear placeholder={t('org.search')} onChange={(e) => { setFilter(e.target.value); setExpanded(null); }} style={{ marginBottom: 8 }} aria-label={t('org.search')} />
            {nodes.loading && !nodes.data ? (
              <Skeleton active paragraph={{ rows: 8 }} />
            ) : (
              <div className="og-tree-scroll">
                <Tree
                  treeData={tree}
                  selectedKeys={selectedId ? [selectedId] : []}
                  expandedKeys={expanded ?? expand}
                  onExpand={(keys) => setExpanded(keys)}
                  onSelect={(keys) => setSelectedId(keys[0] ? String(keys[0]) : null)}
                  blockNode
                />
              </div>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={16} xl={18}>
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            <Card size="small" title={t('org.map')} extra={
              <Space size={8} wrap className="og-legend" aria-label={t('org.legend')}>
                {LEVELS.map((l) => (
                  <span key={l} className="og-legend-item">
                    <span className="og-legend-swatch" style={{ borderColor: LEVEL_STYLE[l]?.color, background: LEVEL_STYLE[l]?.fillColor ? `${LEVEL_STYLE[l]?.fillColor}40` : 'transparent' }} />
                    {t(`level.${l}`)}
                  </span>
                ))}
              </Space>
            } styles={{ body: { padding: 0 } }}>
              <Suspense fallback={<Skeleton.Node active style={{ width: '100%', height: 480 }} />}>
                <OrgMap nodes={list} selectedId={selectedId} onSelect={(id) => { setSelectedId(id); setExpanded(null); }} height={screens.md ? 520 : 360} />
              </Suspense>
            </Card>
            <Card size="small" title={t('org.detail')}>
              {!selected ? (
                <Empty description={t('org.selectHint')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
              ) : (
                <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} items={[
                  { key: 'name', label: t('org.name'), children: <Typography.Text strong>{selected.name}</Typography.Text> },
                  { key: 'code', label: t('org.code'), children: <Typography.Text copyable>{selected.code}</Typography.Text> },
                  { key: 'level', label: t('org.level'), children: <Tag color={LEVEL_COLOR[selected.level]}>{t(`level.${selected.level}`)}</Tag> },
                  { key: 'parent', label: t('org.parent'), children: (selected.parentId && byId.get(selected.parentId)?.name) || '-' },
                  { key: 'children', label: t('org.children'), children: childCount },
                  { key: 'center', label: t('org.center'), children: selected.lng != null && selected.lat != null ? `${selected.lng.toFixed(5)}, ${selected.lat.toFixed(5)}` : '-' },
                  ...(selected.level === 'estate'
                    ? [
                        { key: 'company', label: t('org.propertyCompany'), children: company?.name ?? (selected.props.propertyCompanyCode ? String(selected.props.propertyCompanyCode) : t('common.none')) },
                        { key: 'old', label: t('org.oldEstate'), children: selected.props.oldEstate ? t('common.yes') : t('common.no') },
                      ]
                    : []),
                  ...(!selected.geometry ? [{ key: 'geom', label: t('org.map'), children: t('org.noGeometry') }] : []),
                ]} />
              )}
            </Card>
          </Space>
        </Col>
      </Row>
    </div>
  );
}
