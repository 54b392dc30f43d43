// The cover page's text (issue 14): the sender's own words, without the mail it answers or the
// signature, from plain text and from an HTML-only body.

import { describe, expect, it } from 'vitest';
import { coverBodyText, coverDate, coverPageOf, ownWords } from '../../functions/domain/cover-text.ts';

describe('ownWords', () => {
  it('drops quoted lines and the "On ... wrote:" attribution, also wrapped over two lines', () => {
    const text = [
      'Yes, Thursday works.',
      '',
      'On Tue, 1 Dec 2026 at 10:00, Dr. Anna Müller-Lüdenscheidt <anna.mueller@',
      'praxis.example> wrote:',
      '> Can we meet on Thursday?',
      '>> earlier',
    ].join('\n');
    expect(ownWords(text)).toBe('Yes, Thursday works.');
  });

  it('keeps the answers of an inline reply between the quotes', () => {
    const text = 'Am 1.12.2026 um 10:00 schrieb Anna:\n> Thursday?\nYes.\n> 10:00?\nBetter 11:00.';
    expect(ownWords(text)).toBe('Yes.\nBetter 11:00.');
  });

  it('cuts at the signature separator "-- "', () => {
    expect(ownWords('Please sign page 2.\n\n-- \nAlice Example\nACME GmbH\n+49 30 1234')).toBe(
      'Please sign page 2.',
    );
  });

  it("cuts at Outlook's original message and its From/Sent header block", () => {
    expect(ownWords('See attached.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\nold text')).toBe(
      'See attached.',
    );
    const outlook = [
      'See attached.',
      '',
      '________________________________',
      'From: Bob Example <bob@example.com>',
      'Sent: Monday, 30 November 2026 17:02',
      'To: Alice',
      'Subject: Contract',
      '',
      'old text',
    ].join('\n');
    expect(ownWords(outlook)).toBe('See attached.');
  });

  it('keeps a "From:" line that is not a reply header, and a sentence that starts with "On"', () => {
    const text = 'From: the accounts department\nOn Monday the parcel arrives.\nThanks';
    expect(ownWords(text)).toBe(text);
  });
});

describe('coverBodyText', () => {
  it('flattens an HTML-only body, without its quoted mail, signature or pictures', async () => {
    const html = `<html><body><p>Dear Dr. M&uuml;ller,</p><p>please find <b>two</b> points:</p>
      <ul><li>the date</li><li>the price</li></ul><img src="cid:logo@acme">
      <div class="gmail_signature">Alice<br>ACME</div>
      <div class="gmail_quote"><div>On Mon, Bob wrote:</div><blockquote>old</blockquote></div></body></html>`;
    const text = await coverBodyText({ text: 'rough', html, htmlOnly: true });
    expect(text).toContain('Dear Dr. Müller,');
    expect(text).toContain('please find two points:');
    expect(text).toMatch(/\* the date\n \* the price/);
    expect(text).not.toMatch(/Alice|old|Bob|logo|rough/);
  });

  it('a blockquote without a mail program mark is a quote too', async () => {
    expect(
      await coverBodyText({ html: '<p>Agreed.</p><blockquote>your text</blockquote>', htmlOnly: true }),
    ).toBe('Agreed.');
  });

  it('takes the text part when there is one', async () => {
    expect(await coverBodyText({ text: 'plain words', html: '<p>html words</p>' })).toBe('plain words');
  });
});

describe('coverDate', () => {
  it("prints the Date header in the sender's own time zone", () => {
    const received = new Date('2026-12-01T13:06:00Z');
    expect(coverDate('Tue, 1 Dec 2026 14:05:00 +0100', received)).toBe('Tue, 1 Dec 2026, 14:05 (UTC+01:00)');
    expect(coverDate('Tue, 01 Dec 2026 08:05:00 -0500 (EST)', received)).toBe(
      'Tue, 1 Dec 2026, 08:05 (UTC-05:00)',
    );
    expect(coverDate('not a date', received)).toBe('Tue, 1 Dec 2026, 13:06 (UTC)');
    expect(coverDate(undefined, received)).toBe('Tue, 1 Dec 2026, 13:06 (UTC)');
  });
});

describe('coverPageOf', () => {
  it('names each number with the display name its address gave, and the sender', async () => {
    const page = await coverPageOf(
      {
        from: [{ address: 'eleni@example.gr', name: 'Ελένη Παπαδοπούλου' }],
        recipientNames: [{ address: '+4930123456@fax.example.com', name: 'Dr. Müller' }],
        body: { text: 'Добрый день, Дмитрий!\n\n-- \nΕλένη' },
      },
      {
        recipients: [
          { recipient: '+4930123456@FAX.example.com', number: '+4930123456' },
          { recipient: '+442071234567@fax.example.com', number: '+442071234567' },
        ],
        subject: 'Договор',
        receivedAt: new Date('2026-12-01T13:06:00Z'),
        company: 'ACME GmbH',
      },
    );
    expect(page).toEqual({
      to: [{ number: '+49 30 123456', name: 'Dr. Müller' }, { number: '+44 20 7123 4567' }],
      from: { address: 'eleni@example.gr', name: 'Ελένη Παπαδοπούλου' },
      date: 'Tue, 1 Dec 2026, 13:06 (UTC)',
      subject: 'Договор',
      body: 'Добрый день, Дмитрий!',
      company: 'ACME GmbH',
    });
  });
});
