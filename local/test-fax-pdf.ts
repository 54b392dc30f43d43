// A generated one-page test fax, for `npm run send-test-fax` and the runtime tests.

import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';

/** A one-page A4 PDF saying when it was made. */
export async function testFaxPdf(at: Date = new Date()): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([595.28, 841.89]);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  page.drawText('faxgate test fax', { x: 72, y: 760, size: 28, font });
  page.drawText(`Made ${at.toISOString()} for the one-machine runtime.`, { x: 72, y: 720, size: 12, font });
  return pdf.save();
}
