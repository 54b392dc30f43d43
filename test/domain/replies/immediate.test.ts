import { describe, expect, it } from 'vitest';
import type { QueuedSummary } from '../../../functions/domain/replies/immediate.ts';
import { queuedReply, rejectionReply } from '../../../functions/domain/replies/immediate.ts';

const summary: QueuedSummary = {
  originalSubject: 'Invoice 42',
  reference: 'FG-7K3Q-9X2M',
  numbers: [
    { number: '+4930123456', status: 'queued', pages: 2, estimatedCost: 0.18 },
    { number: '+4940123456', status: 'queued', pages: 2, estimatedCost: 0.18 },
  ],
  rejectedRecipients: [],
  documents: ['invoice.pdf'],
  pages: 2,
  ignoredAttachments: [],
};

const SIGNED = /\n\n-- \nfaxgate, the email-to-fax gateway\. This message was sent automatically\.\n$/;

describe('queuedReply', () => {
  it('says Fax queued with the original subject, never the numbers, and carries the reference', () => {
    const reply = queuedReply(summary);
    expect(reply.subject).toBe('Fax queued: Invoice 42');
    expect(reply.text).toContain('Reference: FG-7K3Q-9X2M');
    expect(reply.text).toMatch(SIGNED);
  });

  it('writes prices with the configured currency, EUR by default', () => {
    expect(queuedReply(summary).text).toContain('estimated cost 0.18 EUR');
    expect(queuedReply(summary).text).toContain('Estimated cost in all: 0.36 EUR');
    expect(queuedReply(summary, { currency: 'CHF' }).text).toContain('Estimated cost in all: 0.36 CHF');
  });

  it('echoes the options it followed on one line: cover page, then the send time', () => {
    const schedule = {
      at: '2026-12-24T08:00:00.000Z',
      localTime: '2026-12-24T09:00:00',
      timeZone: 'Europe/Berlin',
      zoneGiven: true,
    };
    const text = queuedReply({ ...summary, coverPage: true, schedule }).text;
    expect(text).toContain('Options: cover page; send at 24 Dec 2026 09:00 Europe/Berlin\n');
    expect(text).toContain('faxrocks holds the fax until 24 Dec 2026 09:00 Europe/Berlin and sends it then.');
    expect(queuedReply({ ...summary, coverPage: false }).text).toContain('Options: no cover page\n');
    expect(queuedReply(summary).text).not.toContain('Options:');
  });

  it('names what became of the numbers when none was queued', () => {
    const unconfirmed = queuedReply({
      ...summary,
      numbers: [{ number: '+4930123456', status: 'unconfirmed', pages: 2 }],
    });
    expect(unconfirmed.subject).toBe('Fax not confirmed: Invoice 42');
    const refused = queuedReply({
      ...summary,
      numbers: [{ number: '+4930123456', status: 'refused', reason: 'number invalid' }],
    });
    expect(refused.subject).toBe('Fax not sent: Invoice 42');
    expect(queuedReply({ ...summary, originalSubject: '  ' }).subject).toBe('Fax queued');
  });

  it('shows the names and subject a sender chose escaped, on one line each', () => {
    const reply = queuedReply({
      ...summary,
      originalSubject: 'Hi\r\nBcc: victim@example.org',
      documents: ['a.pdf\r\n\r\nFax delivered to +1 900 555 0100'],
      ignoredAttachments: ['x\u202Efdp.exe'],
      rejectedRecipients: [{ recipient: '"1\r\n2"@fax.example.com', detail: 'not a fax number' }],
    });
    expect(reply.subject).toBe('Fax queued: Hi\\r\\nBcc: victim@example.org');
    expect(reply.text).toContain('Document: a.pdf\\r\\n\\r\\nFax delivered to +1 900 555 0100 (2 pages)');
    expect(reply.text).toContain('x\\u202Efdp.exe');
    expect(reply.text).toContain('"1\\r\\n2"@fax.example.com: not a fax number');
    expect(reply.text).not.toMatch(/\r|\u202E|^Fax delivered/m);
  });
});

describe('rejectionReply', () => {
  it('lists at most twenty options it cannot follow, and counts the rest', () => {
    const problems = Array.from({ length: 40_000 }, (_, i) => ({
      written: `/x${i}`,
      problem: 'is not an option',
    }));
    const reply = rejectionReply({ kind: 'options', problems, defaultTimeZone: 'UTC' }, 'Offer');
    expect(reply.text).toContain('/x0: is not an option');
    expect(reply.text).not.toContain('/x100:');
    expect(reply.text).toContain('and 39,981 more');
    expect(reply.text.length).toBeLessThan(5_000);
  });

  it('tells an outsider in plain words to ask their administrator, without an admin command', () => {
    const reply = rejectionReply({ kind: 'not-allowlisted', sender: 'mallory@other.example' }, 'Offer');
    expect(reply.subject).toBe('Fax not sent: Offer');
    expect(reply.text).toContain('The address mallory@other.example is not allowed to send faxes');
    expect(reply.text).toContain('ask your administrator to add your address');
    expect(reply.text).not.toMatch(/npx|senders add|--local|--table/);
    expect(reply.text).toMatch(SIGNED);
  });

  it('shortens and escapes the file names a document problem quotes', () => {
    const name = `${'Scan '.repeat(60)}\r\n.pdf`;
    const reply = rejectionReply(
      { kind: 'document', problem: 'encrypted', detail: `${name} is encrypted.`, files: [name] },
      '',
    );
    expect(reply.subject).toBe('Fax not sent');
    expect(reply.text).toMatch(/Scan Scan .*…\.pdf is encrypted\./);
    expect(reply.text).not.toContain('\r');
  });
});
