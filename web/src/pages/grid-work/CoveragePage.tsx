import { useState } from 'react';
import { Card, DatePicker, Progress, Table } from 'antd';
import dayjs from 'dayjs';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';

interface Row {
  grid: { id: string; code: string; name: string };
  patrols: number;
  workers: number;
  daysPatrolled: number;
  minutes: number;
  distanceM: number;
  casesReported: number;
  buildingsCovered: number;
  buildingsTotal: number;
  coverage: number;
}

/** 巡查覆盖: per grid, this week's patrols, days patrolled and the share of buildings a track passed. */
export default function CoveragePage() {
  const { tl } = useI18n();
  const [week, setWeek] = useState<string | undefined>();
  const cov = useApi<{ weekStart: string; grids: Row[] }>('/grid-work/patrols/coverage', { week });
  return (
    <Card title={tl({ zh: '巡查覆盖（按周）', en: 'Patrol coverage by week' })} extra={<DatePicker picker="week" onChange={(d) => setWeek(d ? d.format('YYYY-MM-DD') : undefined)} />}>
      {cov.data && <div style={{ marginBottom: 8 }}>{tl({ zh: '自', en: 'From' })} {dayjs(cov.data.weekStart).format('YYYY-MM-DD')}</div>}
      <Table<Row>
        size="small"
        rowKey={(r) => r.grid.id}
        loading={cov.loading}
        dataSource={cov.data?.grids ?? []}
        data-testid="coverage-table"
        columns={[
          { title: tl({ zh: '网格', en: 'Grid' }), render: (_, r) => r.grid.name },
          { title: tl({ zh: '巡查次数', en: 'Patrols' }), dataIndex: 'patrols' },
          { title: tl({ zh: '巡查天数', en: 'Days' }), render: (_, r) => `${r.daysPatrolled}/7` },
          { title: tl({ zh: '时长（分钟）', en: 'Minutes' }), dataIndex: 'minutes' },
          { title: tl({ zh: '里程（米）', en: 'Metres' }), dataIndex: 'distanceM' },
          { title: tl({ zh: '上报问题', en: 'Reports' }), dataIndex: 'casesReported' },
          { title: tl({ zh: '楼栋覆盖', en: 'Buildings covered' }), render: (_, r) => <Progress size="small" percent={Math.round(r.coverage * 100)} format={() => `${r.buildingsCovered}/${r.buildingsTotal}`} /> },
        ]}
      />
    </Card>
  );
}
