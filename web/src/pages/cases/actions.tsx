/**
 * The steps a person takes on a case, as one modal form per action. Every step sends the case's
 * `version`; a 409 (someone else moved the case, or the state no longer admits the step) is
 * explained in Chinese and the caller reloads the case.
 */
import { useEffect, useState } from 'react';
import { Alert, App, Button, Form, Input, InputNumber, Modal, Radio, Rate, Select, Space } from 'antd';
import { ApiError, api } from '../../api';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import type { Department } from '../../types';
import { PhotoPicker, SuggestionTags, useCategories, useSuggestions, useX, type CaseAction, type CaseView, type FileView } from './common';

type Field = 'reason' | 'note' | 'noteRequired' | 'photos' | 'hours' | 'approve' | 'passed' | 'rating' | 'comment' | 'dispatch' | 'merge' | 'category';

interface Meta {
  zh: string;
  en: string;
  path: string;
  fields: Field[];
  danger?: boolean;
  /** no version in the body */
  noVersion?: boolean;
}

export const ACTION_META: Record<CaseAction, Meta> = {
  file: { zh: '立案', en: 'File', path: 'file', fields: ['category', 'note'] },
  reject: { zh: '不予立案', en: 'Reject', path: 'reject', fields: ['reason'], danger: true },
  dispatch: { zh: '派遣', en: 'Dispatch', path: 'dispatch', fields: ['dispatch', 'note'] },
  merge: { zh: '合并', en: 'Merge', path: 'merge', fields: ['merge', 'note'], danger: true },
  accept: { zh: '签收', en: 'Accept', path: 'accept', fields: ['note'] },
  return: { zh: '退回', en: 'Return', path: 'return', fields: ['reason'], danger: true },
  resolve: { zh: '处置反馈', en: 'Resolve', path: 'resolve', fields: ['noteRequired', 'photos'] },
  requestExtension: { zh: '申请延期', en: 'Ask for more time', path: 'extension', fields: ['hours', 'reason'] },
  decideExtension: { zh: '审批延期', en: 'Decide extension', path: 'extension/decision', fields: ['approve', 'note'] },
  verify: { zh: '核查', en: 'Verify', path: 'verify', fields: ['passed', 'note', 'photos'] },
  reopen: { zh: '申请重新办理', en: 'Reopen', path: 'reopen', fields: ['reason'], danger: true },
  rate: { zh: '评价', en: 'Rate', path: 'rate', fields: ['rating', 'comment'] },
  suspend: { zh: '挂账', en: 'Suspend', path: 'suspend', fields: ['reason'], danger: true },
  resume: { zh: '恢复办理', en: 'Resume', path: 'resume', fields: ['note'] },
  urge: { zh: '督办', en: 'Urge', path: 'urge', fields: ['noteRequired'] },
  escalate: { zh: '提级', en: 'Escalate', path: 'escalate', fields: ['reason'], danger: true },
  note: { zh: '备注', en: 'Note', path: 'notes', fields: ['noteRequired'], noVersion: true },
};

/** Text for a failed step: a 409 says why, and that the page shows the case as it is now. */
export function stepErrorText(err: unknown, t: Parameters<typeof errorText>[1]): string {
  if (err instanceof ApiError && err.status === 409) {
    const d = err.details as { currentVersion?: number; allowed?: string[] } | null;
    const allowed = (d?.allowed ?? []).map((a) => ACTION_META[a as CaseAction]?.zh ?? a).join('、');
    return `${err.message || '案卷已变化'}。已为您刷新案卷${allowed ? `，当前可执行：${allowed}` : '，当前没有您可执行的操作'}。`;
  }
  return errorText(err, t);
}

interface Values {
  reason?: string;
  note?: string;
  photos?: FileView[];
  hours?: number;
  approve?: boolean;
  passed?: boolean;
  rating?: number;
  comment?: string;
  categoryCode?: string;
  departmentCode?: string;
  ccCodes?: string[];
  intoId?: string;
}

/**
 * The modal for one action on one case. `preset` fills fields (e.g. passed=true for 核查通过).
 * Calls `onDone(updated)` on success, `onConflict()` after a 409 (the caller reloads).
 */
export function ActionModal({ c, action, preset, onClose, onDone, onConflict }: { c: CaseView; action: CaseAction; preset?: Values; onClose: () => void; onDone: (v: CaseView) => void; onConflict?: () => void }) {
  const x = useX();
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const meta = ACTION_META[action];
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const has = (f: Field) => meta.fields.includes(f);
  const cats = useCategories();
  const depts = useApi<Department[]>(has('dispatch') ? '/org/departments' : null).data ?? [];
  const top = useSuggestions(c.description, c.location, has('dispatch') || has('category'));
  const categoryCode = Form.useWatch('categoryCode', form);

  useEffect(() => {
    form.setFieldsValue({
      categoryCode: c.category?.code ?? c.advice?.categoryCode ?? undefined,
      departmentCode: c.department?.code ?? c.advice?.departmentCode ?? undefined,
      ccCodes: c.cc.map((d) => d.code),
      rating: 5,
      hours: 24,
      ...preset,
    });
  }, [c, form, preset]);

  const pickCategory = (code: string) => {
    const cat = cats.find((k) => k.code === code);
    form.setFieldsValue({ categoryCode: code, ...(cat && has('dispatch') ? { departmentCode: cat.department, ccCodes: cat.cc } : {}) });
  };

  const submit = async (v: Values) => {
    const body: Record<string, unknown> = meta.noVersion ? {} : { version: c.version };
    if (has('reason')) body.reason = v.reason;
    if ((has('note') || has('noteRequired')) && v.note) body.note = v.note;
    if (has('photos') && v.photos?.length) body.photos = v.photos.map((p) => p.id);
    if (has('hours')) body.hours = v.hours;
    if (has('approve')) body.approve = v.approve;
    if (has('passed')) body.passed = v.passed;
    if (has('rating')) body.rating = v.rating;
    if (has('comment') && v.comment) body.comment = v.comment;
    if ((has('dispatch') || has('category')) && v.categoryCode) body.categoryCode = v.categoryCode;
    if (has('dispatch')) {
      if (v.departmentCode) body.departmentCode = v.departmentCode;
      body.ccCodes = v.ccCodes ?? [];
    }
    if (has('merge')) body.intoId = v.intoId;
    const go = async () => {
      setBusy(true);
      setErr(null);
      try {
        const r = await api<CaseView>(`/cases/${c.id}/${meta.path}`, { method: 'POST', body });
        message.success(x(`${meta.zh}成功`, `${meta.en}: done`));
        onDone(r);
      } catch (e) {
        setErr(stepErrorText(e, t));
        if (e instanceof ApiError && e.status === 409) onConflict?.();
      } finally {
        setBusy(false);
      }
    };
    if (meta.danger) {
      modal.confirm({
        title: x(`确认${meta.zh}？`, `${meta.en}?`),
        content: x(`案卷 ${c.number} 将被${meta.zh}，此操作会通知相关人员。`, `Case ${c.number}: this notifies the people concerned.`),
        okText: x(`确认${meta.zh}`, meta.en),
        okButtonProps: { danger: true },
        cancelText: x('取消', 'Cancel'),
        onOk: go,
      });
    } else await go();
  };

  return (
    <Modal
      open
      title={`${x(meta.zh, meta.en)} · ${c.number}`}
      onCancel={onClose}
      destroyOnHidden
      footer={
        <Space>
          <Button onClick={onClose}>{x('取消', 'Cancel')}</Button>
          <Button type="primary" danger={meta.danger} loading={busy} onClick={() => form.submit()} data-testid="action-submit">
            {x(`确认${meta.zh}`, meta.en)}
          </Button>
        </Space>
      }
    >
      {err && <Alert type="error" showIcon title={err} style={{ marginBottom: 12 }} data-testid="action-error" />}
      <Form form={form} layout="vertical" onFinish={submit} requiredMark="optional">
        {(has('dispatch') || has('category')) && (
          <>
            <SuggestionTags top={top} value={categoryCode} onPick={pickCategory} />
            <Form.Item name="categoryCode" label={x('事件分类', 'Category')} rules={has('dispatch') ? [{ required: !c.category, message: x('请选择事件分类', 'Pick a category') }] : []}>
              <Select showSearch={{ optionFilterProp: 'label' }} placeholder={x('请选择', 'Select')} onChange={pickCategory} options={cats.map((k) => ({ value: k.code, label: `${k.code} ${k.name}` }))} />
            </Form.Item>
          </>
        )}
        {has('dispatch') && (
          <>
            <Form.Item name="departmentCode" label={x('处置部门', 'Department')} extra={x('默认为分类对应的部门，可更正', "Defaults to the category's department")}>
              <Select showSearch={{ optionFilterProp: 'label' }} allowClear placeholder={x('按分类自动确定', 'From the category')} options={depts.filter((d) => d.active).map((d) => ({ value: d.code, label: `${d.name}（${d.code}）` }))} />
            </Form.Item>
            <Form.Item name="ccCodes" label={x('抄送部门', 'Copy to')}>
              <Select mode="multiple" allowClear options={depts.filter((d) => d.active).map((d) => ({ value: d.code, label: d.name }))} />
            </Form.Item>
          </>
        )}
        {has('merge') && (
          <Form.Item name="intoId" label={x('合并到', 'Merge into')} rules={[{ required: true, message: x('请选择要合并到的案卷', 'Pick the case to merge into') }]}>
            <Select options={(c.possibleDuplicates ?? []).map((d) => ({ value: d.id, label: `${d.number}（相距 ${Math.round(d.distanceM)} 米）` }))} />
          </Form.Item>
        )}
        {has('passed') && (
          <Form.Item name="passed" label={x('核查结果', 'Result')} rules={[{ required: true, message: x('请选择核查结果', 'Pick a result') }]}>
            <Radio.Group
              optionType="button"
              buttonStyle="solid"
              options={[
                { value: true, label: x('通过（结案）', 'Pass (close)') },
                { value: false, label: x('不通过（返工）', 'Fail (rework)') },
              ]}
            />
          </Form.Item>
        )}
        {has('approve') && (
          <Form.Item name="approve" label={x(`延期申请：${c.pendingExtension ? `${c.pendingExtension.hours} 小时，${c.pendingExtension.reason}` : ''}`, 'Extension')} rules={[{ required: true, message: x('请选择是否同意', 'Approve or refuse') }]}>
            <Radio.Group
              optionType="button"
              options={[
                { value: true, label: x('同意', 'Approve') },
                { value: false, label: x('不同意', 'Refuse') },
              ]}
            />
          </Form.Item>
        )}
        {has('hours') && (
          <Form.Item name="hours" label={x('延长（工作小时）', 'Extra working hours')} rules={[{ required: true, message: x('请填写延长的小时数', 'Enter hours') }]}>
            <InputNumber min={1} max={720} style={{ width: 160 }} />
          </Form.Item>
        )}
        {has('rating') && (
          <Form.Item name="rating" label={x('满意度', 'Satisfaction')} rules={[{ required: true, message: x('请打分', 'Give a score') }]}>
            <Rate allowClear={false} />
          </Form.Item>
        )}
        {has('comment') && (
          <Form.Item name="comment" label={x('评价内容（选填）', 'Comment (optional)')}>
            <Input.TextArea rows={3} maxLength={500} showCount />
          </Form.Item>
        )}
        {has('reason') && (
          <Form.Item name="reason" label={x('理由', 'Reason')} rules={[{ required: true, whitespace: true, message: x('请填写理由', 'Give a reason') }]}>
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        )}
        {(has('note') || has('noteRequired')) && (
          <Form.Item
            name="note"
            label={action === 'resolve' ? x('处置情况', 'What was done') : action === 'urge' ? x('督办意见', 'Instruction') : x(has('noteRequired') ? '说明' : '说明（选填）', 'Note')}
            rules={has('noteRequired') ? [{ required: true, whitespace: true, message: x(action === 'resolve' ? '请填写处置情况' : '请填写说明', 'Please write something') }] : []}
          >
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        )}
        {has('photos') && (
          <Form.Item name="photos" label={x('现场照片', 'Photos')} valuePropName="value">
            <PhotoPicker testId="action-photo-input" />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

/** A button per action; opens the action's modal. */
export function ActionButtons({ c, actions, onChanged, size = 'middle', presets }: { c: CaseView; actions: CaseAction[]; onChanged: (v?: CaseView) => void; size?: 'small' | 'middle'; presets?: Partial<Record<CaseAction, Values & { label?: [string, string] }>> }) {
  const x = useX();
  const [open, setOpen] = useState<CaseAction | null>(null);
  return (
    <>
      <Space wrap size={4}>
        {actions.map((a) => {
          const p = presets?.[a];
          return (
            <Button key={a} size={size} type={a === actions[0] ? 'primary' : 'default'} danger={ACTION_META[a].danger} onClick={() => setOpen(a)}>
              {p?.label ? x(p.label[0], p.label[1]) : x(ACTION_META[a].zh, ACTION_META[a].en)}
            </Button>
          );
        })}
      </Space>
      {open && (
        <ActionModal
          c={c}
          action={open}
          preset={presets?.[open]}
          onClose={() => setOpen(null)}
          onDone={(v) => {
            setOpen(null);
            onChanged(v);
          }}
          onConflict={() => onChanged()}
        />
      )}
    </>
  );
}
