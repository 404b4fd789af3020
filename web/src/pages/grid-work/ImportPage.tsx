import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Progress, Space, Table, Tag, Typography, Upload } from 'antd';
import { DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import { api, ApiError } from '../../api';
import { errorText } from '../../errors';
import { useI18n } from '../../i18n';

interface ImportView {
  id: string;
  fileName: string | null;
  status: string;
  statusName: string;
  totalRows: number;
  validRows: number;
  processed: number;
  inserted: number;
  progress: number;
  errors: Array<{ row: number; reasons: string[] }>;
  errorCount: number;
  message: string | null;
  sample?: Array<{ row: number; name: string; idCard: string | null; phone: string | null; household: string; tags: string[] }>;
}

/** 居民导入: upload an XLSX, see every bad row before importing, then follow the progress. */
export default function ImportPage() {
  const { tl, t } = useI18n();
  const { message } = App.useApp();
  const [imp, setImp] = useState<ImportView | null>(null);
  const [uploading, setUploading] = useState(false);

  useEffect(() => {
    if (!imp || !['queued', 'running'].includes(imp.status)) return;
    const timer = window.setTimeout(async () => {
      try {
        setImp({ ...(await api<ImportView>(`/grid-work/imports/${imp.id}`)), sample: imp.sample });
      } catch (err) {
        message.error(errorText(err, t));
      }
    }, 1000);
    return () => window.clearTimeout(timer);
  }, [imp, message, t]);

  const upload = async (file: File) => {
    setUploading(true);
    try {
      const fd = new FormData();
      fd.append('file', file);
      const res = await fetch('/api/grid-work/imports', { method: 'POST', body: fd, credentials: 'same-origin' });
      const data = await res.json();
      if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? 'error', data?.error?.message ?? '', data?.error?.details);
      setImp(data as ImportView);
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setUploading(false);
    }
    return false;
  };

  const commit = async () => {
    if (!imp) return;
    try {
      setImp({ ...(await api<ImportView>(`/grid-work/imports/${imp.id}/commit`, { method: 'POST' })), sample: imp.sample });
    } catch (err) {
      message.error(errorText(err, t));
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Card title={tl({ zh: '实有人口导入', en: 'Import residents' })} extra={<Button icon={<DownloadOutlined />} href="/api/grid-work/imports/template">{tl({ zh: '下载模板', en: 'Template' })}</Button>}>
        <Upload accept=".xlsx" showUploadList={false} beforeUpload={(f) => upload(f as File)}>
          <Button type="primary" icon={<UploadOutlined />} loading={uploading} data-testid="import-upload">
            {tl({ zh: '选择 XLSX 文件', en: 'Choose an XLSX file' })}
          </Button>
        </Upload>
        <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
          {tl({ zh: '必填列：姓名、身份证号、户编码。上传后先逐行校验并预览，确认后分批导入。', en: 'Required columns: name, ID number, household code. Rows are checked and previewed before import.' })}
        </Typography.Paragraph>
      </Card>
      {imp && (
        <Card title={`${imp.fileName ?? ''} · ${imp.statusName}`}>
          <Space size="large" wrap>
            <span>{tl({ zh: '总行数', en: 'Rows' })} {imp.totalRows}</span>
            <span>{tl({ zh: '有效', en: 'Valid' })} {imp.validRows}</span>
            <Tag color={imp.errorCount ? 'red' : 'green'}>{tl({ zh: '错误行', en: 'Bad rows' })} {imp.errorCount}</Tag>
            {imp.status !== 'preview' && <span>{tl({ zh: '已导入', en: 'Imported' })} {imp.inserted}</span>}
          </Space>
          {imp.status !== 'preview' && <Progress percent={imp.progress} status={imp.status === 'failed' ? 'exception' : imp.status === 'done' ? 'success' : 'active'} data-testid="import-progress" />}
          {imp.message && <Alert type="success" showIcon message={imp.message} style={{ marginTop: 8 }} />}
          {imp.status === 'preview' && (
            <Button type="primary" onClick={commit} disabled={!imp.validRows} style={{ marginTop: 12 }} data-testid="import-commit">
              {tl({ zh: `确认导入 ${imp.validRows} 行`, en: `Import ${imp.validRows} rows` })}
            </Button>
          )}
          {imp.sample && imp.status === 'preview' && (
            <Table size="small" style={{ marginTop: 12 }} rowKey="row" pagination={false} dataSource={imp.sample} columns={[
              { title: tl({ zh: '行', en: 'Row' }), dataIndex: 'row', width: 60 },
              { title: tl({ zh: '姓名', en: 'Name' }), dataIndex: 'name' },
              { title: tl({ zh: '身份证号', en: 'ID' }), dataIndex: 'idCard' },
              { title: tl({ zh: '手机号', en: 'Phone' }), dataIndex: 'phone' },
              { title: tl({ zh: '户编码', en: 'Household' }), dataIndex: 'household' },
            ]} />
          )}
          {imp.errors.length > 0 && (
            <Table size="small" style={{ marginTop: 12 }} rowKey="row" dataSource={imp.errors} data-testid="import-errors" pagination={{ pageSize: 20 }} columns={[
              { title: tl({ zh: '行号', en: 'Row' }), dataIndex: 'row', width: 80 },
              { title: tl({ zh: '原因', en: 'Reason' }), dataIndex: 'reasons', render: (r: string[]) => r.join('；') },
            ]} />
          )}
        </Card>
      )}
    </Space>
  );
}
