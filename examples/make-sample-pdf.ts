// Writes examples/sample.pdf, the one-page PDF the npm start banner and the README attach:
// `npx tsx examples/make-sample-pdf.ts`.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testFaxPdf } from '../local/test-fax-pdf.ts';

const target = join(import.meta.dirname, 'sample.pdf');
await writeFile(target, await testFaxPdf(new Date('2026-01-01T00:00:00Z')));
console.log(`wrote ${target}`);
