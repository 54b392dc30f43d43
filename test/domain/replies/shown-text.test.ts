import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SHOWN_LIMITS,
  shownFileName,
  shownSubject,
  shownText,
} from '../../../functions/domain/replies/shown-text.ts';

// What a shown text must never hold: line breaks of any kind, control characters, bidi controls,
// invisible format characters (but the joiners) and fillers.
const HIDDEN =
  /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u115F\u1160\u3164\uFFA0]|(?![\u200C\u200D])\p{Cf}/u;

describe('shownText', () => {
  it('shows line breaks and control characters escaped, C style', () => {
    expect(shownText('invoice\r\nBcc: victim@example.org')).toBe('invoice\\r\\nBcc: victim@example.org');
    expect(shownText('a\tb\u0000c\u007Fd\u0085e\u2028f\u2029g')).toBe(
      'a\\tb\\u0000c\\u007Fd\\u0085e\\u2028f\\u2029g',
    );
  });

  it('neutralises bidi overrides, so a name cannot read backwards', () => {
    expect(shownText('invoice\u202Efdp.exe')).toBe('invoice\\u202Efdp.exe');
    expect(shownText('\u2066a\u2069\u200F\u061C')).toBe('\\u2066a\\u2069\\u200F\\u061C');
  });

  it('keeps ordinary text, umlauts and emoji as they are', () => {
    expect(shownText('Kündigung – Müller 📠.pdf')).toBe('Kündigung – Müller 📠.pdf');
    // Joiners belong to the text they join: an emoji sequence, a Persian word, a variation selector.
    expect(shownText('👩\u200D💻 می\u200Cخواهم ❤\uFE0F')).toBe('👩\u200D💻 می\u200Cخواهم ❤\uFE0F');
  });

  it('shows invisible characters escaped, so a name cannot hide a part of itself', () => {
    expect(shownText('invoice\u200B.pdf')).toBe('invoice\\u200B.pdf');
    expect(shownText('\uFEFFa\u00ADb\u2060c\u180Ed\uFFF9e\u3164f')).toBe(
      '\\uFEFFa\\u00ADb\\u2060c\\u180Ed\\uFFF9e\\u3164f',
    );
    expect(shownText('a\u{E0041}\u{E0042}')).toBe('a\\u{E0041}\\u{E0042}');
  });

  it('shortens with an ellipsis, never cutting an escape or a surrogate pair', () => {
    expect(shownText('x'.repeat(400))).toBe(`${'x'.repeat(SHOWN_LIMITS.text - 1)}…`);
    expect(shownText(`${'a'.repeat(8)}\r\n`, 10)).toBe(`${'a'.repeat(8)}…`);
    expect(shownText(`${'a'.repeat(8)}📠📠`, 10)).toBe(`${'a'.repeat(8)}…`);
  });

  it('never shows a hidden character, stays within its limit and changes nothing when applied again', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.integer({ min: 2, max: 300 }),
        (value, limit) => {
          const shown = shownText(value, limit);
          return !HIDDEN.test(shown) && shown.length <= limit && shownText(shown, limit) === shown;
        },
      ),
    );
  });
});

describe('shownFileName', () => {
  it('shortens a long name in the middle and keeps its extension', () => {
    const shown = shownFileName(`${'Rechnung '.repeat(30)}.pdf`);
    expect(shown.length).toBe(SHOWN_LIMITS.fileName);
    expect(shown).toMatch(/^Rechnung Rechnung .*…\.pdf$/);
  });

  it('escapes what RFC 2231 let through, extension included', () => {
    expect(shownFileName('a.pdf\r\n\r\nFax sent to +1 900')).toBe('a.pdf\\r\\n\\r\\nFax sent to +1 900');
    expect(shownFileName(`${'n'.repeat(200)}.p\rf`)).toMatch(/^n+…\.p\\rf$/);
  });

  it('shortens like any text when there is no extension to keep', () => {
    expect(shownFileName('x'.repeat(300))).toBe(`${'x'.repeat(SHOWN_LIMITS.fileName - 1)}…`);
  });

  it('never shows a hidden character and stays within its limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (name) => {
        const shown = shownFileName(name);
        return !HIDDEN.test(shown) && shown.length <= SHOWN_LIMITS.fileName;
      }),
    );
  });
});

describe('shownSubject', () => {
  it('is trimmed, one line, and bounded', () => {
    expect(shownSubject('  Invoice 42\r\n ')).toBe('Invoice 42');
    expect(shownSubject(undefined)).toBe('');
    expect(shownSubject('x'.repeat(1_500_000)).length).toBe(SHOWN_LIMITS.subject);
  });
});
