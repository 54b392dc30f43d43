// PDFs the sandbox makes itself: transmission receipts, and stand-in documents for seeded faxes
// (seeding 10,000 faxes must stay fast, so their documents are only made when downloaded).

import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import type { FaxView } from './fax-store.ts';

const A4: [number, number] = [595.28, 841.89];

export async function receiptPdf(fax: FaxView): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`Fax receipt ${fax.id}`);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const page = pdf.addPage(A4);
  page.drawText('faxrocks sandbox: transmission receipt', { x: 50, y: 780, size: 16, font: bold });
  const lines: Array<[string, string]> = [
    ['Fax id', fax.id],
    ['Number', fax.number],
    ['Status', fax.status ? 'Delivered' : 'Failed'],
    ['Error', fax.error ?? '-'],
    ['Pages', String(fax.pages)],
    ['Pages sent', String(fax.pages_sent)],
    ['Created', fax.created_at],
    ['Sent', fax.sent_at === null ? '-' : new Date(fax.sent_at * 1000).toISOString()],
    ['Time zone', fax.sent_at_timezone],
    ['Price', fax.price ?? '-'],
  ];
  let y = 740;
  for (const [label, value] of lines) {
    page.drawText(`${label}:`, { x: 50, y, size: 11, font: bold });
    page.drawText(value, { x: 160, y, size: 11, font });
    y -= 20;
  }
  return pdf.save();
}

export async function standInDocument(id: string, pages: number): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let n = 1; n <= pages; n++) {
    pdf
      .addPage(A4)
      .drawText(`Seeded sandbox fax ${id}, page ${n} of ${pages}`, { x: 50, y: 780, size: 12, font });
  }
  return pdf.save();
}
