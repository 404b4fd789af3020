import PDFDocument from 'pdfkit';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * PDF documents with Chinese text. The Noto Sans Hans fonts come from an npm package, so PDFs
 * render the same on a fresh machine with no system fonts. Only the glyphs used are embedded.
 */
// The package exports only its index; its fonts/ folder sits beside dist/.
const fontDir = join(dirname(createRequire(import.meta.url).resolve('@embedpdf/fonts-sc')), '..', 'fonts');
export const FONT_REGULAR = join(fontDir, 'NotoSansHans-Regular.otf');
export const FONT_BOLD = join(fontDir, 'NotoSansHans-Bold.otf');

export type Pdf = PDFKit.PDFDocument;

/** A new A4 document with the fonts registered as 'cn' and 'cn-bold' ('cn' selected). */
export function createPdf(opts: { title?: string; author?: string; margin?: number } = {}): Pdf {
  const doc = new PDFDocument({ size: 'A4', margin: opts.margin ?? 56, info: { Title: opts.title ?? 'OneGrid', Author: opts.author ?? 'OneGrid 一网统管', Creator: 'OneGrid' } });
  doc.registerFont('cn', FONT_REGULAR);
  doc.registerFont('cn-bold', FONT_BOLD);
  doc.font('cn');
  return doc;
}

/** Finishes the document and collects it into one buffer. */
export function pdfBuffer(doc: Pdf): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}
