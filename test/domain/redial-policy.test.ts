import { describe, expect, it } from 'vitest';
import {
  classifyFaxError,
  DEFAULT_REDIAL_SCHEDULE,
  type FaxErrorClass,
  redialDecision,
  redialPromise,
} from '../../functions/domain/redial-policy.ts';
import { PARTIAL_FAILURE_ERROR } from '../../sandbox/test-numbers.ts';

describe('classifyFaxError: the one table', () => {
  const rows: [string, FaxErrorClass][] = [
    // The sandbox's own texts.
    ['Busy', 'busy'],
    ['No answer', 'no-answer'],
    [PARTIAL_FAILURE_ERROR, 'broken-off'],
    // HylaFAX and T.30 wordings.
    ['Busy signal detected', 'busy'],
    ['User busy (486)', 'busy'],
    ['No answer from remote', 'no-answer'],
    ['No carrier detected', 'no-answer'],
    ['No local dialtone', 'no-answer'],
    ['Remote fax disconnected prematurely', 'broken-off'],
    ['No response to MPS repeated 3 tries', 'broken-off'],
    ['Failed to train with remote fax', 'broken-off'],
    // Never re-dialled.
    ['Invalid number', 'permanent'],
    ['Number not in service', 'permanent'],
    ['Destination unreachable', 'permanent'],
    ['Call rejected', 'permanent'],
    ['Call rejected: number busy', 'permanent'],
    ['Insufficient credit', 'permanent'],
    ['Voice answer detected', 'permanent'],
    // Unknown: not worth re-dialling.
    ['Something odd happened', 'unknown'],
    ['', 'unknown'],
  ];
  it.each(rows)('%s -> %s', (text, expected) => {
    expect(classifyFaxError(text)).toBe(expected);
  });

  it('pages sent short of the pages is a broken-off call whatever the text, unless the number cannot work', () => {
    expect(classifyFaxError('Error 17', 3, 2)).toBe('broken-off');
    expect(classifyFaxError('Error 17', 3, 0)).toBe('unknown');
    expect(classifyFaxError('Error 17', 3, 3)).toBe('unknown');
    expect(classifyFaxError('Invalid number', 3, 2)).toBe('permanent');
  });
});

describe('redialDecision: the default schedule', () => {
  const first = '2026-11-27T06:00:00.000Z';
  const at = (minutes: number) => new Date(Date.parse(first) + minutes * 60_000);

  it('busy: four more attempts after 5, 5, 15 and 40 minutes, then final', () => {
    const failures: { class: FaxErrorClass }[] = [];
    const delays: number[] = [];
    let now = 1;
    for (let attempt = 1; attempt <= 6; attempt++) {
      failures.push({ class: 'busy' });
      const decision = redialDecision({
        failures,
        attemptsMade: attempt,
        firstAttemptAt: first,
        now: at(now),
      });
      if (decision.kind === 'final') {
        expect(decision.why).toMatch(/re-dialled 4 times/);
        break;
      }
      delays.push(decision.delayMinutes);
      now += decision.delayMinutes + 1;
    }
    expect(delays).toEqual([5, 5, 15, 40]);
  });

  it('no answer twice more (5, 30); broken off twice more (2, 10)', () => {
    const decide = (classes: FaxErrorClass[]) =>
      redialDecision({
        failures: classes.map((c) => ({ class: c })),
        attemptsMade: classes.length,
        firstAttemptAt: first,
        now: at(1),
      });
    expect(decide(['no-answer'])).toMatchObject({ kind: 'redial', delayMinutes: 5 });
    expect(decide(['no-answer', 'no-answer'])).toMatchObject({ kind: 'redial', delayMinutes: 30 });
    expect(decide(['no-answer', 'no-answer', 'no-answer']).kind).toBe('final');
    expect(decide(['broken-off'])).toMatchObject({ kind: 'redial', delayMinutes: 2 });
    expect(decide(['broken-off', 'broken-off'])).toMatchObject({ kind: 'redial', delayMinutes: 10 });
    expect(decide(['broken-off', 'broken-off', 'broken-off']).kind).toBe('final');
    // Each reason counts its own re-dials; the attempt cap counts them all.
    expect(decide(['busy', 'no-answer', 'busy', 'no-answer', 'busy', 'broken-off'])).toMatchObject({
      kind: 'final',
      why: '6 attempts made',
    });
    expect(decide(['permanent']).kind).toBe('final');
    expect(decide(['unknown']).kind).toBe('final');
  });

  it('no attempt starts later than 3 hours after the first', () => {
    const decision = redialDecision({
      failures: [{ class: 'busy' }, { class: 'busy' }, { class: 'busy' }, { class: 'busy' }],
      attemptsMade: 4,
      firstAttemptAt: first,
      now: at(150),
    });
    expect(decision).toMatchObject({ kind: 'final' });
    expect(decision.kind === 'final' && decision.why).toMatch(/3 hours/);
  });

  it('the queued reply says what is re-dialled and for how long', () => {
    expect(redialPromise(DEFAULT_REDIAL_SCHEDULE)).toBe(
      'Busy lines, numbers that do not answer and calls broken off part way are re-dialled automatically, up to 6 attempts within 3 hours; you get one report when every number is done.',
    );
    expect(redialPromise({ ...DEFAULT_REDIAL_SCHEDULE, maxAttempts: 1 })).toMatch(/not re-dialled/);
  });
});
