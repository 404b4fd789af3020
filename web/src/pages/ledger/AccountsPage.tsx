import { useState } from 'react';
import { Button, Card, DatePicker, Input, Select, Space, Table } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { useApi } from '../../hooks';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { CURRENCIES, OWNER_KINDS, StatementDrawer, fmtAmount, type Account } from './common';

/** 积分与时间账户: the accounts of the caller's area, each with its statement; the monthly XLSX report. */
export default function AccountsPage() {
  const { tl } = useI18n();
  const { me } = useAuth();
  const [currency, setCurrency] = useState<string | undefined>('points');
  const [ownerKind, setOwnerKind] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [month, setMonth] = useState(dayjs());
  const [open, setOpen] = useState<Account | null>(null);
  const list = useApi<PageResult<Account>>('/ledger/accounts', { currency, ownerKind, q, page, pageSize: 20 });
  const canReport = me?.permissions.includes('ledger.report');
  return (
    <Card title={tl({ zh: '积分与时间账户', en: 'Points and time accounts' })}>
      <Space wrap style={{ marginBottom: 16 }}>
        <Select allowClear style={{ width: 120 }} value={currency} onChange={(v) => (setCurrency(v), setPage(1))} placeholder={tl({ zh: '币种', en: 'Currency' })} options={Object.entries(CURRENCIES).map(([k, v]) => ({ value: k, label: tl(v) }))} />
        <Select allowClear style={{ width: 120 }} value={ownerKind} onChange={(v) => (setOwnerKind(v), setPage(1))} placeholder={tl({ zh: '账户类型', en: 'Kind' })} options={Object.entries(OWNER_KINDS).map(([k, v]) => ({ value: k, label: tl(v) }))} />
        <Input.Search allowClear placeholder={tl({ zh: '按名称查找', en: 'Search by name' })} onSearch={(v) => (setQ(v), setPage(1))} style={{ width: 200 }} />
        {canReport && (
          <>
            <DatePicker picker="month" value={month} onChange={(d) => d && setMonth(d)} allowClear={false} />
            <Button icon={<DownloadOutlined />} href={`/api/ledger/reports/monthly?month=${month.format('YYYY-MM')}`} data-testid="monthly-report">
              {tl({ zh: '积分月报（Excel）', en: 'Monthly report (XLSX)' })}
            </Button>
          </>
        )}
      </Space>
      <Table
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items}
        pagination={{ current: page, pageSize: 20, total: list.data?.total, onChange: setPage }}
        onRow={(a) => ({ onClick: () => setOpen(a), style: { cursor: 'pointer' } })}
        columns={[
          { title: tl({ zh: '账户', en: 'Account' }), dataIndex: 'name' },
          { title: tl({ zh: '类型', en: 'Kind' }), dataIndex: 'ownerKind', render: (k: Account['ownerKind']) => tl(OWNER_KINDS[k]) },
          { title: tl({ zh: '币种', en: 'Currency' }), dataIndex: 'currency', render: (c: Account['currency']) => tl(CURRENCIES[c]) },
          { title: tl({ zh: '余额', en: 'Balance' }), dataIndex: 'balance', align: 'right', render: (n: number, a) => fmtAmount(a, n) },
          { title: tl({ zh: '透支额度', en: 'Limit' }), dataIndex: 'lowerLimit', align: 'right', render: (n: number, a) => (a.ownerKind === 'community' ? '—' : fmtAmount(a, n)) },
        ]}
      />
      <StatementDrawer account={open} onClose={() => setOpen(null)} />
    </Card>
  );
}
