// What is stored about a mail is bounded (issue 11 item 10), whatever the sender put in it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isThreadableMessageId,
  RECORD_LIMITS,
  storedItem,
  storedList,
  storedReferences,
  storedText,
} from '../../functions/domain/record-limits.ts';

describe('record limits', () => {
  it('shortens a text with an ellipsis and never cuts a surrogate pair', () => {
    expect(storedText('short')).toBe('short');
    const cut = storedText(`${'a'.repeat(8)}\u{1F600}rest`, 10);
    expect(cut).toBe(`${'a'.repeat(8)}\u2026`);
    expect(cut.length).toBeLessThanOrEqual(10);
  });

  it('lists at most the limit of names, the last counting the rest', () => {
    const names = Array.from({ length: 3000 }, (_, i) => `${'n'.repeat(300)}${i}.txt`);
    const listed = storedList(names);
    expect(listed).toHaveLength(RECORD_LIMITS.listed);
    expect(listed.at(-1)).toBe('\u2026 and 2,951 more');
    expect(listed[0]?.length).toBe(RECORD_LIMITS.name);
    expect(storedList(['a', 'b'])).toEqual(['a', 'b']);
  });

  it('keeps the first and the most recent references, and none longer than a header line', () => {
    const refs = Array.from({ length: 100 }, (_, i) => `<m${i}@example.com>`);
    const kept = storedReferences([...refs, `<${'x'.repeat(2000)}@example.com>`]);
    expect(kept).toHaveLength(RECORD_LIMITS.references);
    expect(kept[0]).toBe('<m0@example.com>');
    expect(kept.at(-1)).toBe('<m99@example.com>');
  });

  it('bounds any item, nested records included, far below 400 KB, and leaves keys and numbers alone', () => {
    const text = fc.string({ unit: 'binary', maxLength: 5000 });
    const item = fc.record({
      subject: text,
      detail: text,
      error: text,
      documents: fc.array(text, { maxLength: 300 }),
      ignoredAttachments: fc.array(text, { maxLength: 300 }),
      rejectedNumbers: fc.array(text, { maxLength: 300 }),
      references: fc.array(text, { maxLength: 300 }),
      attempts: fc.array(fc.record({ error: text, price: text }), { maxLength: 12 }),
    });
    fc.assert(
      fc.property(item, (value) => {
        const bounded = storedItem({ ...value, pk: 'MAIL#abc', number: '+4930123456' });
        expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThan(200 * 1024);
        expect(bounded.pk).toBe('MAIL#abc');
        expect(bounded.number).toBe('+4930123456');
      }),
      { numRuns: 30 },
    );
  });
});

describe('isThreadableMessageId', () => {
  it('keeps message ids a reply header can carry as written, and no others', () => {
    expect(isThreadableMessageId('<abc.123@mail.example.com>')).toBe(true);
    expect(isThreadableMessageId('<"quoted"@[192.0.2.1]>')).toBe(true);
    for (const id of [
      '<th\u00fcread@example.com>',
      '<a\u202e@example.com>',
      '<a b@example.com>',
      '<a@example.com> X-Injected: yes',
      '<a@b@c>x',
      'no-brackets@example.com',
      '<no-at-sign>',
      `<${'l'.repeat(1_000)}@example.com>`,
    ]) {
      expect(isThreadableMessageId(id), id).toBe(false);
    }
    expect(storedReferences(['<a@example.com>', '<\u00e4@example.com>', '<b@example.com>'])).toEqual([
      '<a@example.com>',
      '<b@example.com>',
    ]);
  });
});
