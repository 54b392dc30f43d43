// Loads the committed .eml fixtures (test/fixtures/mail) for the domain tests.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InboundMail } from '../../functions/domain/inbound-mail.ts';
import { parseInboundMail } from '../../functions/mail/parse-inbound-mail.ts';

export const FIXTURE_FAX_DOMAIN = 'fax.example.org';

const mailDir = fileURLToPath(new URL('../fixtures/mail/', import.meta.url));

export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(mailDir, `${name}.eml`));
}

export function fixtureMail(name: string): Promise<InboundMail> {
  return parseInboundMail(fixtureBytes(name));
}

/** Header lines as parseInboundMail gives them, from `Key: value` strings (continuations with CRLF). */
export function headerLinesOf(lines: string[]): { key: string; line: string }[] {
  return lines.map((line) => ({
    key: line.slice(0, line.indexOf(':')).trim().toLowerCase(),
    line: line.replace(/\r?\n(?=[ \t])/g, ''),
  }));
}
