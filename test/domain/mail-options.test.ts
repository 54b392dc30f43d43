import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, OPTIONS_WINDOW, parseMailOptions } from '../../functions/domain/mail-options.ts';

describe('parseMailOptions', () => {
  it.each([
    'Invoice 2026/12',
    'A/B test results',
    'and / or',
    'Re: /etc/hosts broken',
    'See r/programming',
    'Notes /final draft',
    'Price 50/60',
    'Meeting at 09:00 on 2026-12-24',
    '',
    '   ',
    'Fwd: /cover letter for the application',
    'Ελένη /κάλυψη',
    '/2026',
  ])('leaves %j as it is', (subject) => {
    expect(parseMailOptions(subject)).toEqual({ subject, problems: [], written: '' });
  });

  it('reads /cover and /nocover at the end, in any case, and removes them', () => {
    expect(parseMailOptions('Invoice 42 /cover')).toEqual({
      subject: 'Invoice 42',
      cover: true,
      problems: [],
      written: '/cover',
    });
    expect(parseMailOptions('Invoice 42   /NoCover  ')).toMatchObject({
      subject: 'Invoice 42',
      cover: false,
    });
    expect(parseMailOptions('/cover')).toMatchObject({ subject: '', cover: true, problems: [] });
  });

  it('reads a send time with and without a zone, in both date forms', () => {
    expect(parseMailOptions('Invoice /at 2026-12-24 09:00')).toEqual({
      subject: 'Invoice',
      sendAt: { year: 2026, month: 12, day: 24, hour: 9, minute: 0, written: '/at 2026-12-24 09:00' },
      problems: [],
      written: '/at 2026-12-24 09:00',
    });
    expect(parseMailOptions('Invoice /cover /AT 24.12.2026 17:30 europe/berlin').sendAt).toEqual({
      year: 2026,
      month: 12,
      day: 24,
      hour: 17,
      minute: 30,
      timeZone: 'Europe/Berlin',
      written: '/AT 24.12.2026 17:30 europe/berlin',
    });
    expect(parseMailOptions('x /at 2026-12-24T9:05 UTC').sendAt).toMatchObject({
      hour: 9,
      minute: 5,
      timeZone: 'UTC',
    });
    expect(parseMailOptions('x /at 2026-12-24 09:00 /cover')).toMatchObject({
      subject: 'x',
      cover: true,
      sendAt: { day: 24 },
      problems: [],
    });
  });

  it('answers unknown options, even in InterFAX spelling, with what was written', () => {
    expect(parseMailOptions('Notes /final')).toMatchObject({
      subject: 'Notes',
      problems: [{ written: '/final', problem: 'not an option faxgate knows.' }],
    });
    expect(parseMailOptions('Notes /d 2026-12-24 09:00').problems).toEqual([
      { written: '/d 2026-12-24 09:00', problem: 'not an option faxgate knows.' },
    ]);
    expect(parseMailOptions('Notes /urgent /cover')).toMatchObject({
      cover: true,
      problems: [{ written: '/urgent' }],
    });
  });

  it.each([
    ['Lunch /at noon', /"noon" is not a date/],
    ['Lunch /at', /needs a date and a time/],
    ['Lunch /at 2026-12-24', /needs a time after the date/],
    ['Lunch /at 12/24/2026 09:00', /slashes/],
    ['Lunch /at 2026-02-30 09:00', /not a day of the calendar/],
    ['Lunch /at 2026-12-24 24:00', /not a time/],
    ['Lunch /at 2026-12-24 9am', /not a time/],
    ['Lunch /at 2026-12-24 09:00 CEST', /"CEST" is not a time zone/],
    ['Lunch /at 2026-12-24 09:00 +02:00', /not a time zone/],
    ['Lunch /at 2026-12-24 09:00 Europe/Berlin please', /"please" after the time zone/],
  ])('says what is wrong with %j and how to write it', (subject, problem) => {
    const options = parseMailOptions(subject);
    expect(options.subject).toBe('Lunch');
    expect(options.sendAt).toBeUndefined();
    expect(options.problems).toHaveLength(1);
    expect(options.problems[0]?.problem).toMatch(problem);
    if (!/after the time zone|not a time zone/.test(String(problem))) {
      expect(options.problems[0]?.problem).toMatch(/\/at 2026-12-24 09:00/);
    }
  });

  it('refuses options that contradict or repeat each other', () => {
    expect(parseMailOptions('x /cover /nocover').problems).toEqual([
      { written: '/nocover', problem: 'contradicts /cover; write one of them.' },
    ]);
    expect(parseMailOptions('x /cover /cover').problems).toEqual([
      { written: '/cover', problem: 'written twice.' },
    ]);
    expect(parseMailOptions('x /at 2026-12-24 09:00 /at 2026-12-25 09:00').problems).toHaveLength(1);
  });

  it('costs linear time on a hostile subject of option words', () => {
    const subject = `${'/x '.repeat(50_000)}word`;
    expect(parseMailOptions(subject)).toMatchObject({ subject, problems: [] });
  });

  it(`reads options from the subject's last ${OPTIONS_WINDOW} characters only`, () => {
    // 50,000 unknown options: those that end the subject within the window are answered.
    const options = '/x 1 '.repeat(50_000);
    const read = parseMailOptions(options);
    expect(read.problems).toHaveLength(OPTIONS_WINDOW / 5);
    expect(read.subject).toBe(options.slice(0, options.length - OPTIONS_WINDOW).trimEnd());
    // An option whose values run past the window is text, and so is a word the window cuts.
    const long = `Report /x ${'1 '.repeat(OPTIONS_WINDOW)}`;
    expect(parseMailOptions(long)).toEqual({ subject: long, problems: [], written: '' });
    const cut = `Report /x${'1'.repeat(OPTIONS_WINDOW)} /cover`;
    expect(parseMailOptions(cut)).toMatchObject({ subject: cut.slice(0, -7), cover: true, problems: [] });
    // A subject of many words and no slash has no options to look for.
    const words = 'word '.repeat(30_000);
    expect(parseMailOptions(words)).toEqual({ subject: words, problems: [], written: '' });
  });
});

/** Words as people write them in subjects: anything but a slash followed by letters only. */
const ordinaryWord = fc
  .string({ minLength: 1, maxLength: 12, unit: 'grapheme' })
  .map((w) => w.replace(/\s/gu, ''))
  .filter((w) => w.length > 0 && !/^\/[A-Za-z]+$/.test(w));
const separator = fc.constantFrom(' ', '  ', '\t', ' / ', '/');
const ordinarySubject = fc
  .array(fc.tuple(ordinaryWord, separator), { maxLength: 12 })
  .map((parts) => parts.map(([w, s]) => w + s).join(''))
  .filter((s) => !s.split(/\s+/u).some((w) => /^\/[A-Za-z]+$/.test(w)));

describe('parseMailOptions on ordinary subjects (property)', () => {
  it('changes nothing in a subject without option words', () => {
    fc.assert(
      fc.property(ordinarySubject, (subject) => {
        expect(parseMailOptions(subject)).toEqual({ subject, problems: [], written: '' });
      }),
      { numRuns: 2000 },
    );
  });

  it('gives back the subject exactly when options are added to it', () => {
    const option = fc.constantFrom('/cover', '/nocover', '/at 2026-12-24 09:00', '/at 24.12.2026 09:00 UTC');
    fc.assert(
      fc.property(ordinarySubject, option, (subject, written) => {
        const parsed = parseMailOptions(`${subject} ${written}`);
        expect(parsed.subject).toBe(subject.trimEnd());
        expect(parsed.problems).toEqual([]);
        expect(parsed.written).toBe(written);
      }),
      { numRuns: 1000 },
    );
  });

  it('never lets an option word in the middle take the words after it', () => {
    fc.assert(
      fc.property(
        ordinarySubject,
        fc.constantFrom('/cover', '/urgent', '/final'),
        fc.constantFrom('draft', 'letter', 'for Bob'),
        (head, option, tail) => {
          const subject = `${head} ${option} ${tail}`;
          expect(parseMailOptions(subject)).toEqual({ subject, problems: [], written: '' });
        },
      ),
    );
  });
});

describe('canonicalTimeZone', () => {
  it('knows tz database names in any case, and no offsets or abbreviations', () => {
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('America/New_York')).toBe('America/New_York');
    expect(canonicalTimeZone('CEST')).toBeUndefined();
    expect(canonicalTimeZone('+02:00')).toBeUndefined();
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
  });
});
