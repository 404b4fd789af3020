import { describe, expect, it } from 'vitest';
import { createPdf, pdfBuffer } from './pdf.js';
import { pdfText } from './extract.js';

describe('PDF with Chinese text', () => {
  it('embeds a CJK font so the text extracts back as written', async () => {
    const doc = createPdf({ title: '调解协议书' });
    doc.font('cn-bold').fontSize(20).text('人民调解协议书', { align: 'center' });
    doc.font('cn').fontSize(12).text('甲方：张三　乙方：李四');
    doc.text('双方同意：每日22:00至次日7:00为安静时段。');
    const buf = await pdfBuffer(doc);
    expect(buf.subarray(0, 5).toString()).toBe('%PDF-');
    const [page] = await pdfText(buf);
    expect(page).toContain('人民调解协议书');
    expect(page).toContain('甲方：张三');
    expect(page).toContain('安静时段');
    // glyph subsetting keeps the file small
    expect(buf.length).toBeLessThan(400_000);
  });
});
