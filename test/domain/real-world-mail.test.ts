// Focused tests for what the real-world mail corpus (test/corpus) found in the domain modules.

import { describe, expect, it } from 'vitest';
import { parseInboundMail } from '../../functions/domain/inbound-mail.ts';

function raw(lines: string[], encoding: BufferEncoding = 'utf8'): Buffer {
  return Buffer.from(
    [...lines, 'MIME-Version: 1.0', 'Content-Type: text/plain', '', 'Hello', ''].join('\r\n'),
    encoding,
  );
}

describe('parseInboundMail: subjects written raw in 8 bits', () => {
  it('reads an ISO-8859-1 / windows-1252 subject as such, not as U+FFFD', async () => {
    const mail = await parseInboundMail(
      raw(['From: a@example.com', 'Subject: Bestellbestätigung Brötchen'], 'latin1'),
    );
    expect(mail.subject).toBe('Bestellbestätigung Brötchen');
  });

  it('reads windows-1252 bytes 0x80-0x9f as that code page does', async () => {
    const bytes = Buffer.concat([
      Buffer.from('From: a@example.com\r\nSubject: Preis 5 '),
      Buffer.from([0x80, 0x20, 0x96, 0x20, 0x84, 0x67, 0x75, 0x74, 0x93]),
      Buffer.from('\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHello\r\n'),
    ]);
    expect((await parseInboundMail(bytes)).subject).toBe('Preis 5 € – „gut“');
  });

  it('leaves raw UTF-8 and encoded-word subjects as mailparser decodes them', async () => {
    expect((await parseInboundMail(raw(['From: a@example.com', 'Subject: Grüße aus Köln']))).subject).toBe(
      'Grüße aus Köln',
    );
    const encoded = await parseInboundMail(
      raw(['From: a@example.com', 'Subject: =?iso-8859-1?Q?Gr=FC=DFe?=']),
    );
    expect(encoded.subject).toBe('Grüße');
  });
});
