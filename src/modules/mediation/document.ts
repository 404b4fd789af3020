import { createPdf, pdfBuffer } from '../../platform/pdf/pdf.js';
import { TYPE_NAMES, TIER_NAMES } from './rules.js';
import type { DisputeType, Tier } from './repository.js';

export interface AgreementDoc {
  number: string;
  disputeNumber: string;
  kind: 'full' | 'partial';
  type: DisputeType;
  tier: Tier;
  place: string;
  parties: Array<{ role: 'applicant' | 'respondent' | 'third'; kind: 'person' | 'enterprise'; name: string; phone: string | null }>;
  facts: string;
  claims: string | null;
  terms: string[];
  performance: string | null;
  mediators: string[];
  signed: boolean;
  date: Date;
}

const ROLE_LABEL = { applicant: '申请人', respondent: '被申请人', third: '第三人' } as const;

/** 2026年11月23日 in Asia/Shanghai. */
export function chineseDate(d: Date): string {
  const p = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(d);
  const get = (t: string) => p.find((x) => x.type === t)?.value ?? '';
  return `${get('year')}年${get('month')}月${get('day')}日`;
}

/**
 * The 人民调解协议书 from the template of the Ministry of Justice's model text: parties, the dispute,
 * the agreed terms, how and when they are performed, the effect clause, signatures.
 */
export async function agreementPdf(a: AgreementDoc): Promise<Buffer> {
  const doc = createPdf({ title: `人民调解协议书 ${a.number}` });
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  doc.font('cn-bold').fontSize(20).text(a.kind === 'partial' ? '人民调解协议书（部分）' : '人民调解协议书', { align: 'center' });
  doc.moveDown(0.3);
  doc.font('cn').fontSize(10).fillColor('#555').text(`编号：${a.number}\u3000\u3000案号：${a.disputeNumber}`, { align: 'right' });
  doc.fillColor('#000').moveDown(0.8);

  const heading = (s: string) => {
    doc.moveDown(0.4);
    doc.font('cn-bold').fontSize(13).text(s);
    doc.font('cn').fontSize(12).moveDown(0.2);
  };

  heading('一、当事人');
  for (const p of a.parties) {
    const kind = p.kind === 'enterprise' ? '（单位）' : '';
    doc.text(`${ROLE_LABEL[p.role]}${kind}：${p.name}${p.phone ? `\u3000联系电话：${p.phone}` : ''}`, { width });
  }

  heading('二、纠纷主要事实、争议事项');
  doc.text(`纠纷类型：${TYPE_NAMES[a.type]}\u3000\u3000发生地点：${a.place}`, { width });
  doc.text(a.facts, { width });
  if (a.claims) doc.text(`当事人诉求：${a.claims}`, { width });

  heading('三、经调解，当事人自愿达成如下协议');
  a.terms.forEach((t, i) => doc.text(`${i + 1}. ${t}`, { width, indent: 0 }));

  heading('四、履行方式、时限');
  doc.text(a.performance ?? '各方按上述约定自本协议签订之日起自觉履行。', { width });

  heading('五、协议效力');
  doc.text(
    '本协议经当事人签名（盖章）、人民调解员签名并加盖人民调解委员会印章后生效，具有法律约束力，当事人应当按照约定履行。双方可自本协议生效之日起三十日内共同向人民法院申请司法确认。调解员将于协议签订后第七日、第三十日回访履行情况。',
    { width },
  );
  doc.text('本协议一式三份，当事人各执一份，人民调解委员会留存一份。', { width });

  doc.moveDown(1.2);
  for (const p of a.parties) doc.text(`${ROLE_LABEL[p.role]}（签名）：${a.signed ? p.name : '____________'}`, { width });
  doc.moveDown(0.5);
  doc.text(`人民调解员（签名）：${a.mediators.join('、') || '____________'}`, { width });
  doc.text(`调解组织：${TIER_NAMES[a.tier]}（印章）`, { width });
  doc.moveDown(0.5);
  doc.text(chineseDate(a.date), { align: 'right' });
  return pdfBuffer(doc);
}
