// The faxrocks sandbox over raw HTTP: each validation rule answered as Laravel would, the fax
// lifecycle under a controlled clock, the test numbers, faults, and persistence across a restart.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from '@cantoo/pdf-lib';
import { isValidPhoneNumber } from 'libphonenumber-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type FaxrocksSandbox,
  SANDBOX_FOREIGN_FAX_ID,
  SANDBOX_TEST_NUMBERS,
  startFaxrocksSandbox,
} from '../sandbox/faxrocks-sandbox.ts';

const TOKEN = 'test-token';
const DELAY = 10_000;
let nowMs = Date.parse('2026-03-01T12:00:00Z');
let sandbox: FaxrocksSandbox;
let pdf1: string;
let pdf3: string;
const dirs: string[] = [];
const extra: FaxrocksSandbox[] = [];

async function pdfBase64(pages: number): Promise<string> {
  const pdf = await PDFDocument.create();
  for (let i = 0; i < pages; i++) pdf.addPage([100, 100]);
  return Buffer.from(await pdf.save()).toString('base64');
}

async function call(
  path: string,
  init: { method?: string; body?: unknown; token?: string | null; accept?: string; base?: string } = {},
) {
  const headers: Record<string, string> = { Accept: init.accept ?? 'application/json' };
  if (init.token !== null) headers.Authorization = `Bearer ${init.token ?? TOKEN}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${init.base ?? sandbox.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
    redirect: 'manual',
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const json = response.headers.get('content-type')?.includes('json')
    ? JSON.parse(bytes.toString())
    : undefined;
  return { status: response.status, headers: response.headers, bytes, json };
}

const send = (body: unknown) => call('/send', { body });

beforeAll(async () => {
  pdf1 = await pdfBase64(1);
  pdf3 = await pdfBase64(3);
  sandbox = await startFaxrocksSandbox({
    port: 0,
    token: TOKEN,
    deliveryDelayMs: DELAY,
    now: () => new Date(nowMs),
  });
});

afterAll(async () => {
  await sandbox.close();
  for (const s of extra) await s.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const key of Object.keys(sandbox.faults) as Array<keyof typeof sandbox.faults>)
    delete sandbox.faults[key];
  sandbox.stats.reset();
});

describe('authentication', () => {
  it('401 without a token or with a wrong one', async () => {
    for (const token of [null, 'wrong']) {
      const answer = await call('/user', { token });
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({ message: 'Unauthenticated.' });
    }
  });

  it('a client that does not ask for JSON is sent to the login page, as Laravel does', async () => {
    const answer = await call('/user', { token: null, accept: 'text/html' });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toMatch(/\/login$/);
  });

  it('GET /user returns the fixed user', async () => {
    const answer = await call('/user');
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ id: 1, name: 'Sandbox User', email: 'sandbox@faxrocks.test' });
  });
});

describe('POST /send validation (422 with field messages)', () => {
  const cases: Array<[string, () => unknown, Record<string, string[]>]> = [
    [
      'neither number nor numbers',
      () => ({ data: pdf1 }),
      {
        number: ['The number field is required when numbers is not present.'],
        numbers: ['The numbers field is required when number is not present.'],
      },
    ],
    [
      'both number and numbers',
      () => ({ number: '+4930123456', numbers: ['+4930123457'], data: pdf1 }),
      { number: ['The number field prohibits numbers from being present.'] },
    ],
    [
      'more than 10 numbers',
      () => ({ numbers: Array.from({ length: 11 }, (_, i) => `+493012345${10 + i}`), data: pdf1 }),
      { numbers: ['The numbers field must not have more than 10 items.'] },
    ],
    [
      'a national number',
      () => ({ number: '030123456', data: pdf1 }),
      { number: ['The number field format is invalid.'] },
    ],
    [
      'too few digits',
      () => ({ number: '+4912345', data: pdf1 }),
      { number: ['The number field format is invalid.'] },
    ],
    [
      'a bad number in a batch',
      () => ({ numbers: ['+4930123456', '+49 30 1234'], data: pdf1 }),
      { 'numbers.1': ['The numbers.1 field format is invalid.'] },
    ],
    ['no data', () => ({ number: '+4930123456' }), { data: ['The data field is required.'] }],
    [
      'data not base64',
      () => ({ number: '+4930123456', data: 'not base64!' }),
      { data: ['The data field must be a valid base64 encoded string.'] },
    ],
    [
      'data not a PDF (a PDF file name does not help)',
      () => ({
        number: '+4930123456',
        data: Buffer.from('GIF89a....').toString('base64'),
        filename: 'x.pdf',
      }),
      { data: ['The data field must be a PDF document.'] },
    ],
    [
      'a PDF that does not parse',
      () => ({
        number: '+4930123456',
        data: Buffer.from('%PDF-1.7\nthis is not a pdf body').toString('base64'),
      }),
      { data: ['The data field must be a readable PDF document.'] },
    ],
    [
      'scheduled_at not ISO 8601',
      () => ({ number: '+4930123456', data: pdf1, scheduled_at: 'tomorrow 9am' }),
      { scheduled_at: ['The scheduled at field must be a valid date.'] },
    ],
    [
      'scheduled_at not a real date',
      () => ({ number: '+4930123456', data: pdf1, scheduled_at: '2026-02-30T10:00:00' }),
      { scheduled_at: ['The scheduled at field must be a valid date.'] },
    ],
    [
      'an unknown timezone',
      () => ({ number: '+4930123456', data: pdf1, timezone: 'Mars/Olympus_Mons' }),
      { timezone: ['The timezone field must be a valid timezone.'] },
    ],
  ];

  it.each(cases)('%s', async (_name, body, errors) => {
    const before = sandbox.faxes().length;
    const answer = await send(body());
    expect(answer.status).toBe(422);
    expect(answer.json.errors).toEqual(errors);
    expect(answer.json.message).toContain(Object.values(errors)[0]?.[0]);
    expect(sandbox.faxes()).toHaveLength(before);
  });

  it('several errors are summed up in the message', async () => {
    const answer = await send({ number: '12', scheduled_at: 'x' });
    expect(answer.json.message).toBe('The number field format is invalid. (and 2 more errors)');
  });

  it('a malformed JSON body is read as no input', async () => {
    const answer = await call('/send', { body: '{"number": ' });
    expect(answer.status).toBe(422);
    expect(Object.keys(answer.json.errors)).toEqual(['number', 'numbers', 'data']);
  });

  it('a client that does not ask for JSON is redirected back', async () => {
    const answer = await call('/send', { body: {}, accept: 'text/html' });
    expect(answer.status).toBe(302);
  });

  it('a body over the size limit is refused with 413', async () => {
    const small = await startFaxrocksSandbox({ port: 0, token: TOKEN, maxBodyBytes: 1000 });
    extra.push(small);
    const answer = await call('/send', {
      base: small.url,
      body: { number: '+4930123456', data: 'A'.repeat(2000) },
    });
    expect(answer.status).toBe(413);
  });
});

describe('POST /send', () => {
  it('takes a 29 MiB PDF, as a 40 MB mail becomes (~39 MB of base64)', async () => {
    const pdf = await PDFDocument.create();
    pdf.addPage([100, 100]);
    pdf.context.register(pdf.context.stream(new Uint8Array(29 * 1024 * 1024).fill(0x41)));
    const data = Buffer.from(await pdf.save({ useObjectStreams: false })).toString('base64');
    expect(data.length).toBeGreaterThan(38_000_000);
    const answer = await send({ number: '+4930100029', data });
    expect(answer.status).toBe(200);
    expect(answer.json.pages).toBe(1);
  });

  it('counts pages from the PDF and prices them (single answer)', async () => {
    const answer = await send({ number: '+4930123456', data: pdf3 });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      message: 'Fax queued for transfer.',
      number: '+4930123456',
      pages: 3,
      estimated_costs: 0.27,
    });
  });

  it('answers the batch shape for numbers', async () => {
    const answer = await send({ numbers: ['+4930200001', '+4930200002'], data: pdf1 });
    expect(answer.json).toEqual({
      message: 'Faxes queued for transfer.',
      faxes: [
        { number: '+4930200001', pages: 1, estimated_costs: 0.09 },
        { number: '+4930200002', pages: 1, estimated_costs: 0.09 },
      ],
    });
    const stored = sandbox.faxes().filter((f) => f.number.startsWith('+493020000'));
    expect(stored).toHaveLength(2);
    for (const fax of stored) expect(fax.id).toMatch(/^[a-z0-9]{19}$/);
  });
});

describe('lifecycle under a controlled clock', () => {
  it('pending until the delay, then delivered; test numbers end as documented', async () => {
    const numbers: string[] = [
      SANDBOX_TEST_NUMBERS.delivered,
      SANDBOX_TEST_NUMBERS.busy,
      SANDBOX_TEST_NUMBERS.noAnswer,
      SANDBOX_TEST_NUMBERS.partial,
      SANDBOX_TEST_NUMBERS.pendingForever,
    ];
    const start = nowMs;
    expect((await send({ numbers, data: pdf3 })).status).toBe(200);
    const current = () => {
      const mine = sandbox
        .faxes()
        .filter((f) => Date.parse(f.created_at) === start && numbers.includes(f.number));
      return Object.fromEntries(mine.map((f) => [f.number, f]));
    };
    for (const fax of Object.values(current())) {
      expect(fax).toMatchObject({ status: false, error: null, sent_at: null, price: null });
    }

    nowMs += DELAY - 1;
    expect(current()[SANDBOX_TEST_NUMBERS.delivered]?.status).toBe(false);

    nowMs += 1;
    const after = current();
    expect(after[SANDBOX_TEST_NUMBERS.delivered]).toMatchObject({
      status: true,
      error: null,
      sent_at: Math.floor((start + DELAY) / 1000),
      pages_sent: 3,
      price: '0.27',
    });
    expect(after[SANDBOX_TEST_NUMBERS.busy]).toMatchObject({ status: false, error: 'Busy', pages_sent: 0 });
    expect(after[SANDBOX_TEST_NUMBERS.noAnswer]).toMatchObject({
      status: false,
      error: 'No answer',
      pages_sent: 0,
    });
    expect(after[SANDBOX_TEST_NUMBERS.partial]).toMatchObject({
      status: false,
      pages_sent: 2,
      price: '0.18',
    });
    expect(after[SANDBOX_TEST_NUMBERS.partial]?.error).toBeTruthy();
    expect(after[SANDBOX_TEST_NUMBERS.pendingForever]).toMatchObject({ status: false, error: null });

    nowMs += 365 * 24 * 3600_000;
    expect(current()[SANDBOX_TEST_NUMBERS.pendingForever]).toMatchObject({ status: false, error: null });
  });

  it('numbers that fail the first N faxes, then deliver; the always-busy number never does', async () => {
    const start = nowMs;
    const final = (number: string) =>
      sandbox
        .faxes()
        .filter((f) => f.number === number && Date.parse(f.created_at) >= start)
        .reverse()
        .map((f) => (f.status ? 'delivered' : (f.error ?? 'pending')));
    const numbers = [
      SANDBOX_TEST_NUMBERS.busyOnce,
      SANDBOX_TEST_NUMBERS.busyTwice,
      SANDBOX_TEST_NUMBERS.noAnswerOnce,
      SANDBOX_TEST_NUMBERS.partialOnce,
      SANDBOX_TEST_NUMBERS.busy,
    ];
    for (let round = 0; round < 3; round++) {
      expect((await send({ numbers, data: pdf3 })).status).toBe(200);
      nowMs += 1000;
    }
    nowMs += DELAY;
    // The always-busy number had faxes from earlier tests: it is busy whatever the count.
    expect(final(SANDBOX_TEST_NUMBERS.busyOnce)).toEqual(['Busy', 'delivered', 'delivered']);
    expect(final(SANDBOX_TEST_NUMBERS.busyTwice)).toEqual(['Busy', 'Busy', 'delivered']);
    expect(final(SANDBOX_TEST_NUMBERS.noAnswerOnce)).toEqual(['No answer', 'delivered', 'delivered']);
    expect(final(SANDBOX_TEST_NUMBERS.partialOnce)).toEqual([
      'Line dropped during transmission',
      'delivered',
      'delivered',
    ]);
    expect(final(SANDBOX_TEST_NUMBERS.busy)).toEqual(['Busy', 'Busy', 'Busy']);
  });

  it('a scheduled fax waits for its time', async () => {
    const at = new Date(nowMs + 3600_000);
    const answer = await send({ number: '+4930300003', data: pdf1, scheduled_at: at.toISOString() });
    expect(answer.status).toBe(200);
    const fax = () => sandbox.faxes().find((f) => f.number === '+4930300003');
    nowMs += DELAY + 1000;
    expect(fax()?.status).toBe(false);
    nowMs += 3600_000;
    expect(fax()?.status).toBe(true);
  });

  it('a scheduled fax is listed at once, pending until its time, then fails like any other', async () => {
    const at = new Date(nowMs + 2 * 3600_000);
    const sentAt = nowMs;
    const number = SANDBOX_TEST_NUMBERS.noAnswer;
    expect((await send({ number, data: pdf1, scheduled_at: at.toISOString() })).status).toBe(200);
    const fax = () => sandbox.faxes().find((f) => f.number === number && Date.parse(f.created_at) === sentAt);
    expect(fax()).toMatchObject({ status: false, error: null, sent_at: null });
    nowMs = at.getTime() + DELAY - 1;
    expect(fax()).toMatchObject({ status: false, error: null });
    nowMs += 1;
    expect(fax()).toMatchObject({ status: false, error: 'No answer' });
  });

  it('a time without offset is read in the given timezone', async () => {
    // 2026-07-01 12:00 in New York is 16:00 UTC.
    nowMs = Date.parse('2026-07-01T15:00:00Z');
    await send({
      number: '+4930300004',
      data: pdf1,
      scheduled_at: '2026-07-01T12:00:00',
      timezone: 'America/New_York',
    });
    const fax = () => sandbox.faxes().find((f) => f.number === '+4930300004');
    nowMs = Date.parse('2026-07-01T16:00:00Z') + DELAY - 1;
    expect(fax()?.status).toBe(false);
    nowMs += 1;
    expect(fax()).toMatchObject({ status: true, sent_at_timezone: 'America/New_York' });
  });

  it('the test numbers are valid numbers for libphonenumber-js', () => {
    for (const number of Object.values(SANDBOX_TEST_NUMBERS)) expect(isValidPhoneNumber(number)).toBe(true);
  });
});

describe('downloads', () => {
  it('the document byte for byte; the receipt only once final', async () => {
    await send({ number: SANDBOX_TEST_NUMBERS.busy, data: pdf3 });
    const fax = sandbox
      .faxes()
      .find(
        (f) =>
          f.number === SANDBOX_TEST_NUMBERS.busy &&
          Date.parse(f.created_at) === nowMs &&
          f.status === false &&
          !f.error,
      );
    if (!fax) throw new Error('no pending fax');
    const document = await call(`/faxes/${fax.id}/fax`);
    expect(document.status).toBe(200);
    expect(document.headers.get('content-type')).toBe('application/pdf');
    expect(document.bytes.toString('base64')).toBe(pdf3);

    const early = await call(`/faxes/${fax.id}/receipt`);
    expect(early.status).toBe(404);
    expect(early.json.message).toMatch(/pending/);

    nowMs += DELAY;
    const receipt = await call(`/faxes/${fax.id}/receipt`);
    expect(receipt.status).toBe(200);
    expect(receipt.headers.get('content-type')).toBe('application/pdf');
    expect((await PDFDocument.load(receipt.bytes)).getPageCount()).toBe(1);
  });

  it('404 for unknown ids and routes, 403 for another account, 405 for the wrong method', async () => {
    expect((await call('/faxes/nosuchfax123/fax')).status).toBe(404);
    expect((await call('/faxes/NOT-AN-ID/receipt')).status).toBe(404);
    expect((await call('/nothing-here')).status).toBe(404);
    expect((await call(`/faxes/${SANDBOX_FOREIGN_FAX_ID}/fax`)).json).toEqual({
      message: 'This action is unauthorized.',
    });
    expect((await call(`/faxes/${SANDBOX_FOREIGN_FAX_ID}/receipt`)).status).toBe(403);
    expect((await call('/send')).status).toBe(405);
  });
});

describe('GET /faxes', () => {
  it('pages newest first with Laravel links and meta', async () => {
    const fresh = await startFaxrocksSandbox({ port: 0, token: TOKEN, now: () => new Date(nowMs) });
    extra.push(fresh);
    const base = Date.parse('2025-01-01T00:00:00Z');
    const ids = await fresh.seedFaxes(
      Array.from({ length: 25 }, (_, i) => ({
        number: '+4930400000',
        createdAt: new Date(base + (i % 5) * 1000),
      })),
    );
    const page1 = await call('/faxes?perPage=10', { base: fresh.url });
    expect(page1.status).toBe(200);
    expect(page1.json.meta).toEqual({
      current_page: 1,
      from: 1,
      last_page: 3,
      path: `${fresh.url}/faxes`,
      per_page: 10,
      to: 10,
      total: 25,
    });
    expect(page1.json.links).toEqual({
      first: `${fresh.url}/faxes?perPage=10&page=1`,
      last: `${fresh.url}/faxes?perPage=10&page=3`,
      prev: null,
      next: `${fresh.url}/faxes?perPage=10&page=2`,
    });
    const page3 = await call('/faxes?perPage=10&page=3', { base: fresh.url });
    expect(page3.json.meta).toMatchObject({ current_page: 3, from: 21, to: 25 });
    expect(page3.json.links.next).toBeNull();

    const all = [];
    for (let page = 1; page <= 3; page++) {
      all.push(...(await call(`/faxes?perPage=10&page=${page}`, { base: fresh.url })).json.data);
    }
    expect(new Set(all.map((f: { id: string }) => f.id))).toEqual(new Set(ids));
    const order = all.map((f: { created_at: string; id: string }) => [f.created_at, f.id].join(' '));
    expect(order).toEqual([...order].sort().reverse());

    const fallback = await call('/faxes', { base: fresh.url });
    expect(fallback.json.meta.per_page).toBe(15);
  });

  it('perPage must be an integer from 1 to 1000', async () => {
    for (const perPage of ['0', '1001', 'abc', '2.5']) {
      const answer = await call(`/faxes?perPage=${perPage}`);
      expect(answer.status).toBe(422);
      expect(Object.keys(answer.json.errors)).toEqual(['perPage']);
    }
    expect((await call('/faxes?perPage=1000')).status).toBe(200);
  });

  it('seeds 10,000 faxes and serves them in pages of 1,000', async () => {
    const big = await startFaxrocksSandbox({ port: 0, token: TOKEN });
    extra.push(big);
    const base = Date.parse('2024-01-01T00:00:00Z');
    await big.seedFaxes(
      Array.from({ length: 10_000 }, (_, i) => ({
        number: '+4930500000',
        createdAt: new Date(base + i * 1000),
      })),
    );
    const last = await call('/faxes?perPage=1000&page=10', { base: big.url });
    expect(last.json.meta).toMatchObject({ last_page: 10, total: 10_000, to: 10_000 });
    expect(last.json.data.at(-1).created_at).toBe('2024-01-01T00:00:00.000000Z');
  });

  it('oldest-first order imitates a provider that lists the other way', async () => {
    const odd = await startFaxrocksSandbox({ port: 0, token: TOKEN, order: 'oldest-first' });
    extra.push(odd);
    await odd.seedFaxes([
      { number: '+4930600000', createdAt: '2025-01-01T00:00:00Z' },
      { number: '+4930600001', createdAt: '2025-01-02T00:00:00Z' },
    ]);
    const answer = await call('/faxes', { base: odd.url });
    expect(answer.json.data.map((f: { number: string }) => f.number)).toEqual(['+4930600000', '+4930600001']);
  });
});

describe('faults and stats', () => {
  it('switches set in code', async () => {
    sandbox.faults.status5xx = 1;
    expect((await call('/user')).status).toBe(500);
    expect((await call('/user')).status).toBe(200);
    sandbox.faults.rateLimit = { count: 1, retryAfterSeconds: 7 };
    const limited = await call('/user');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(sandbox.stats.requests['GET /user']).toBe(3);
  });

  it('accept then fail stores the fax and answers 500', async () => {
    sandbox.faults.acceptThenFail = 1;
    const before = sandbox.faxes().length;
    expect((await send({ number: '+4930700007', data: pdf1 })).status).toBe(500);
    expect(sandbox.faxes()).toHaveLength(before + 1);
    expect(sandbox.faults.acceptThenFail).toBe(0);
  });

  it('send5xx answers /send with 500 before creating anything, and leaves other routes alone', async () => {
    sandbox.faults.send5xx = 1;
    const before = sandbox.faxes().length;
    expect((await call('/faxes')).status).toBe(200);
    expect((await send({ number: '+4930700008', data: pdf1 })).status).toBe(500);
    expect(sandbox.faxes()).toHaveLength(before);
    expect((await send({ number: '+4930700008', data: pdf1 })).status).toBe(200);
    expect(sandbox.faxes()).toHaveLength(before + 1);
  });

  it('switches and stats over HTTP on loopback', async () => {
    const origin = sandbox.url.replace(/\/api$/, '');
    const set = await fetch(`${origin}/__sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ status5xx: 2 }),
    });
    expect(await set.json()).toEqual({ faults: { status5xx: 2 } });
    expect((await call('/faxes')).status).toBe(500);
    const stats = (await (await fetch(`${origin}/__sandbox/stats`)).json()) as {
      requests: Record<string, number>;
    };
    expect(stats.requests['GET /faxes']).toBe(1);
    await fetch(`${origin}/__sandbox/faults`, { method: 'DELETE' });
    expect((await call('/faxes')).status).toBe(200);
    await fetch(`${origin}/__sandbox/stats`, { method: 'DELETE' });
    expect(sandbox.stats.requests).toEqual({});
    const bad = await fetch(`${origin}/__sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ slowMs: -1 }),
    });
    expect(bad.status).toBe(422);
  });
});

describe('persistence', () => {
  it('faxes and documents survive a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'faxrocks-sandbox-'));
    dirs.push(dataDir);
    const first = await startFaxrocksSandbox({ port: 0, token: TOKEN, dataDir, now: () => new Date(nowMs) });
    const answer = await call('/send', { base: first.url, body: { number: '+4930800008', data: pdf3 } });
    expect(answer.status).toBe(200);
    await first.seedFaxes([
      { number: '+4930800009', createdAt: '2025-05-05T05:05:05Z', status: 'failed', error: 'Busy' },
    ]);
    const before = first.faxes();
    await first.close();

    const second = await startFaxrocksSandbox({ port: 0, token: TOKEN, dataDir, now: () => new Date(nowMs) });
    extra.push(second);
    expect(second.faxes()).toEqual(before);
    const sent = before.find((f) => f.number === '+4930800008');
    const document = await call(`/faxes/${sent?.id}/fax`, { base: second.url });
    expect(document.bytes.toString('base64')).toBe(pdf3);
  });
});
