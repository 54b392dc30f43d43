// The faxrocks client against the sandbox over real HTTP on loopback, plus a few raw stand-ins for
// answers the sandbox never gives (malformed bodies, dropped connections, foreign links).

import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { inspect } from 'node:util';
import { PDFDocument } from '@cantoo/pdf-lib';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FaxrocksClient,
  retryAfterSeconds,
  staticToken,
  type TokenSource,
} from '../functions/adapters/faxrocks/client.ts';
import {
  FaxrocksError,
  FaxrocksForbiddenError,
  FaxrocksNetworkError,
  FaxrocksNotFoundError,
  FaxrocksRateLimitError,
  FaxrocksResponseError,
  FaxrocksServerError,
  FaxrocksTimeoutError,
  FaxrocksUnauthorizedError,
  FaxrocksValidationError,
  FaxSendOutcomeUnknownError,
  isTransientFaxrocksError,
} from '../functions/adapters/faxrocks/errors.ts';
import { parseFaxList } from '../functions/adapters/faxrocks/schema.ts';
import type { Log } from '../functions/ports.ts';
import {
  type FaxrocksSandbox,
  SANDBOX_FOREIGN_FAX_ID,
  SANDBOX_TEST_NUMBERS,
  startFaxrocksSandbox,
} from '../sandbox/faxrocks-sandbox.ts';

const TOKEN = 'sk-live-7f3a9c0e1d2b4a6f8e0c1b3d5f7a9e2c';

async function pdfWithPages(pages: number): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  for (let i = 0; i < pages; i++) pdf.addPage([200, 200]).drawText(`page ${i + 1}`, { x: 20, y: 100 });
  return pdf.save();
}

/** Everything logged, to prove the token never appears. */
const logged: string[] = [];
const log: Log = {
  debug: (m, e) => logged.push(m + JSON.stringify(e ?? {})),
  info: (m, e) => logged.push(m + JSON.stringify(e ?? {})),
  warn: (m, e) => logged.push(m + JSON.stringify(e ?? {})),
  error: (m, e) => logged.push(m + JSON.stringify(e ?? {})),
};
/** Every error a test caught, checked for the token at the end. */
const caught: unknown[] = [];

async function failure(promise: Promise<unknown>): Promise<FaxrocksError> {
  try {
    await promise;
  } catch (error) {
    caught.push(error);
    return error as FaxrocksError;
  }
  throw new Error('expected a failure');
}

let sandbox: FaxrocksSandbox;
let nowMs = Date.parse('2026-01-10T10:00:00Z');
const stubs: Array<Server | ReturnType<typeof createNetServer>> = [];

function client(overrides: Partial<ConstructorParameters<typeof FaxrocksClient>[0]> = {}) {
  return new FaxrocksClient({
    baseUrl: sandbox.url,
    token: staticToken(TOKEN),
    timeoutMs: 2000,
    backoffMs: 1,
    log,
    ...overrides,
  });
}

/** A one-route HTTP stand-in answering whatever `answer` says; returns its base URL. */
async function stub(answer: (path: string) => { status?: number; body: unknown }): Promise<string> {
  const server = createHttpServer((req, res) => {
    const { status = 200, body } = answer(req.url ?? '/');
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stubs.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
}

beforeAll(async () => {
  sandbox = await startFaxrocksSandbox({
    port: 0,
    token: TOKEN,
    deliveryDelayMs: 60_000,
    now: () => new Date(nowMs),
  });
});

afterAll(async () => {
  await sandbox.close();
  for (const server of stubs) await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  for (const key of Object.keys(sandbox.faults) as Array<keyof typeof sandbox.faults>)
    delete sandbox.faults[key];
  sandbox.stats.reset();
});

describe('endpoints', () => {
  it('GET /user returns the account, extra fields kept', async () => {
    const user = await client().getUser();
    expect(user).toMatchObject({ id: 1, email: 'sandbox@faxrocks.test', timezone: 'Europe/Berlin' });
  });

  it('POST /send with one number uses `number` and maps the single answer', async () => {
    const queued = await client().send({ numbers: ['+4930111111'], document: await pdfWithPages(2) });
    expect(queued).toEqual([{ number: '+4930111111', pages: 2, estimatedCost: 0.18 }]);
    expect(sandbox.faxes().filter((f) => f.number === '+4930111111')).toHaveLength(1);
  });

  it('POST /send with several numbers, scheduled, maps the batch answer', async () => {
    const numbers = ['+4930222221', '+4930222222', '+4930222223'];
    const queued = await client().send({
      numbers,
      document: await pdfWithPages(1),
      scheduledAt: '2026-01-11T08:00:00',
      timezone: 'Europe/Berlin',
    });
    expect(queued).toEqual(numbers.map((number) => ({ number, pages: 1, estimatedCost: 0.09 })));
    const stored = sandbox.faxes().filter((f) => numbers.includes(f.number));
    expect(stored.map((f) => f.sent_at_timezone)).toEqual([
      'Europe/Berlin',
      'Europe/Berlin',
      'Europe/Berlin',
    ]);
  });

  it('refuses more than 10 numbers before calling', async () => {
    const numbers = Array.from({ length: 11 }, (_, i) => `+49301000${String(i).padStart(3, '0')}`);
    const error = await failure(client().send({ numbers, document: await pdfWithPages(1) }));
    expect(error).toBeInstanceOf(FaxrocksValidationError);
    expect(sandbox.stats.requests['POST /send']).toBeUndefined();
  });

  it('downloads the document byte for byte, and the receipt once final', async () => {
    const document = await pdfWithPages(3);
    const before = new Set(sandbox.faxes().map((f) => f.id));
    await client().send({ numbers: [SANDBOX_TEST_NUMBERS.busy], document });
    const fax = sandbox.faxes().find((f) => !before.has(f.id));
    if (!fax) throw new Error('fax not stored');
    expect(fax.id).toMatch(/^[a-z0-9]+$/);
    expect(Buffer.from(await client().downloadFax(fax.id)).equals(Buffer.from(document))).toBe(true);

    expect(await failure(client().downloadReceipt(fax.id))).toBeInstanceOf(FaxrocksNotFoundError);
    nowMs += 61_000;
    const receipt = await client().downloadReceipt(fax.id);
    expect(Buffer.from(receipt.subarray(0, 5)).toString()).toBe('%PDF-');
    expect((await PDFDocument.load(receipt)).getPageCount()).toBe(1);
  });
});

describe('every call', () => {
  it('sends the Bearer token and Accept: application/json, downloads included', async () => {
    const seen: Array<{ path: string; accept?: string; auth?: string }> = [];
    const server = createHttpServer((req, res) => {
      seen.push({
        path: `${req.method} ${req.url}`,
        accept: req.headers.accept,
        auth: req.headers.authorization,
      });
      const path = req.url ?? '';
      if (path.includes('/faxes/') && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/pdf' });
        res.end('%PDF-1.4 stand-in');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      const answers: Record<string, unknown> = {
        '/api/send': {
          message: 'Fax queued for transfer.',
          number: '+4930123456',
          pages: 1,
          estimated_costs: 0.09,
        },
        '/api/user': { id: 1, name: 'A', email: 'a@example.com' },
      };
      res.end(JSON.stringify(answers[path] ?? { data: [], links: {}, meta: {} }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stubs.push(server);
    const c = client({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/` });
    await c.send({ numbers: ['+4930123456'], document: await pdfWithPages(1) });
    for await (const _ of c.listFaxPages()) break;
    await c.getUser();
    await c.downloadFax('abc1');
    await c.downloadReceipt('abc1');
    expect(seen.map((s) => s.path)).toEqual([
      'POST /api/send',
      'GET /api/faxes?page=1',
      'GET /api/user',
      'GET /api/faxes/abc1/fax',
      'GET /api/faxes/abc1/receipt',
    ]);
    for (const call of seen) {
      expect(call.accept).toBe('application/json');
      expect(call.auth).toBe(`Bearer ${TOKEN}`);
    }
  });

  it('refuses a base URL that would carry the token in clear over a network', () => {
    expect(() => client({ baseUrl: 'http://faxrocks.com/api' })).toThrow(/must be https/);
    expect(() => client({ baseUrl: 'not a url' })).toThrow(FaxrocksError);
    expect(() =>
      client({ baseUrl: 'http://sandbox.internal:8787/api', allowInsecureHttp: true }),
    ).not.toThrow();
    expect(() => client({ baseUrl: 'http://localhost:8787/api' })).not.toThrow();
    expect(() => new FaxrocksClient({ token: staticToken(TOKEN) })).not.toThrow();
  });

  it('a redirect is not followed: it is a response error naming the status', async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:1/login' });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stubs.push(server);
    const error = await failure(
      client({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api` }).getUser(),
    );
    expect(error).toBeInstanceOf(FaxrocksResponseError);
    expect(error.status).toBe(302);
  });
});

describe('GET /faxes pagination', () => {
  it('follows pages to the end and maps records to camelCase', async () => {
    const base = Date.parse('2025-06-01T00:00:00Z');
    const seeded = await sandbox.seedFaxes(
      Array.from({ length: 35 }, (_, i) => ({
        number: '+4930333333',
        createdAt: new Date(base + i * 60_000),
        status: 'delivered' as const,
      })),
    );
    sandbox.stats.reset();
    const pages = [];
    for await (const page of client().listFaxPages({ perPage: 10 })) pages.push(page);
    const total = sandbox.faxes().length;
    expect(pages).toHaveLength(Math.ceil(total / 10));
    expect(sandbox.stats.requests['GET /faxes']).toBe(pages.length);
    expect(pages.map((p) => p.page)).toEqual(pages.map((_, i) => i + 1));
    expect(pages.at(-1)?.hasNext).toBe(false);
    const all = pages.flatMap((p) => p.faxes);
    expect(all.map((f) => f.id)).toEqual(sandbox.faxes().map((f) => f.id));
    const oldest = all.find((f) => f.id === seeded[0]);
    expect(oldest).toMatchObject({
      number: '+4930333333',
      status: true,
      error: null,
      price: '0.09',
      pages: 1,
      pagesSent: 1,
      sentAtTimezone: 'Europe/Berlin',
      createdAt: '2025-06-01T00:00:00.000000Z',
    });
  });

  it('stops fetching when the caller stops iterating', async () => {
    for await (const page of client().listFaxPages({ perPage: 5 })) {
      expect(page.hasNext).toBe(true);
      break;
    }
    expect(sandbox.stats.requests['GET /faxes']).toBe(1);
  });

  it('never follows a next link to another origin (the token stays home)', async () => {
    const seen: string[] = [];
    const url = await stub((path) => {
      seen.push(path);
      const page = Number(new URL(path, 'http://x').searchParams.get('page'));
      return {
        body: {
          data: [],
          links: { next: page < 2 ? 'http://attacker.invalid/api/faxes?page=2' : null },
          meta: { current_page: page, last_page: 2 },
        },
      };
    });
    const pages = [];
    for await (const page of client({ baseUrl: url }).listFaxPages({ perPage: 3 })) pages.push(page);
    // An empty page ends the walk whatever the links say.
    expect(pages).toHaveLength(1);
    expect(seen).toEqual(['/api/faxes?perPage=3&page=1']);
  });

  it('builds the next URL itself when links are missing and keeps perPage', async () => {
    const seen: string[] = [];
    const record = (id: string) => ({ id, number: '+4930444444', status: false, pages: 1, created_at: 'x' });
    const url = await stub((path) => {
      seen.push(path);
      const page = Number(new URL(path, 'http://x').searchParams.get('page'));
      return { body: { data: [record(`a${page}`)], meta: { current_page: page, last_page: 3 } } };
    });
    const ids = [];
    for await (const page of client({ baseUrl: url }).listFaxPages({ perPage: 1 }))
      ids.push(...page.faxes.map((f) => f.id));
    expect(ids).toEqual(['a1', 'a2', 'a3']);
    expect(seen).toEqual([
      '/api/faxes?perPage=1&page=1',
      '/api/faxes?perPage=1&page=2',
      '/api/faxes?perPage=1&page=3',
    ]);
  });
});

describe('errors', () => {
  it('401 for a wrong token', async () => {
    const error = await failure(client({ token: staticToken('wrong-token') }).getUser());
    expect(error).toBeInstanceOf(FaxrocksUnauthorizedError);
    expect(error.status).toBe(401);
    expect(error.message).toContain('Unauthenticated.');
    expect(sandbox.stats.requests['GET /user']).toBe(1);
  });

  it('401 then a refreshed token: one repeat, also for /send', async () => {
    let refreshed = 0;
    const token: TokenSource = {
      get: async () => 'stale-token',
      refresh: async () => {
        refreshed++;
        return TOKEN;
      },
    };
    expect((await client({ token }).getUser()).id).toBe(1);
    await client({ token }).send({ numbers: ['+4930555555'], document: await pdfWithPages(1) });
    expect(refreshed).toBe(2);
    expect(sandbox.stats.requests['POST /send']).toBe(2);
    expect(sandbox.faxes().filter((f) => f.number === '+4930555555')).toHaveLength(1);
  });

  it('403 for a fax of another account', async () => {
    const error = await failure(client().downloadFax(SANDBOX_FOREIGN_FAX_ID));
    expect(error).toBeInstanceOf(FaxrocksForbiddenError);
    expect(error.status).toBe(403);
  });

  it('404 for an unknown fax id, and ids that are not ids are refused locally', async () => {
    expect(await failure(client().downloadReceipt('0000nosuchfax'))).toBeInstanceOf(FaxrocksNotFoundError);
    expect(await failure(client().downloadFax('../user'))).toBeInstanceOf(FaxrocksValidationError);
    expect(sandbox.stats.requests['GET /user']).toBeUndefined();
  });

  it('422 carries the field messages', async () => {
    const error = await failure(
      client().send({ numbers: ['+4912'], document: new TextEncoder().encode('hello') }),
    );
    expect(error).toBeInstanceOf(FaxrocksValidationError);
    expect(error.status).toBe(422);
    expect((error as FaxrocksValidationError).fieldErrors).toEqual({
      number: ['The number field format is invalid.'],
      data: ['The data field must be a PDF document.'],
    });
    expect(isTransientFaxrocksError(error)).toBe(false);
  });

  it('429 is retried after Retry-After seconds', async () => {
    sandbox.faults.rateLimit = { count: 1, retryAfterSeconds: 1 };
    expect((await client().getUser()).id).toBe(1);
    expect(sandbox.stats.requests['GET /user']).toBe(2);
  });

  it('429 without retries left, Retry-After as an HTTP date', async () => {
    sandbox.faults.rateLimit = { count: 1, retryAfterSeconds: 120, asHttpDate: true };
    const error = await failure(client({ readRetries: 0 }).getUser());
    expect(error).toBeInstanceOf(FaxrocksRateLimitError);
    expect((error as FaxrocksRateLimitError).retryAfterSeconds).toBeGreaterThan(100);
    expect(isTransientFaxrocksError(error)).toBe(true);
  });

  it('a Retry-After beyond the cap ends the retries at once', async () => {
    sandbox.faults.rateLimit = { count: 5, retryAfterSeconds: 3600 };
    const error = await failure(client({ readRetries: 3 }).getUser());
    expect((error as FaxrocksRateLimitError).retryAfterSeconds).toBe(3600);
    expect(sandbox.stats.requests['GET /user']).toBe(1);
  });

  it('5xx on reads is retried with backoff, bounded', async () => {
    sandbox.faults.status5xx = 2;
    expect((await client({ readRetries: 3 }).getUser()).id).toBe(1);
    expect(sandbox.stats.requests['GET /user']).toBe(3);

    sandbox.stats.reset();
    sandbox.faults.status5xx = 10;
    const error = await failure(client({ readRetries: 2 }).getUser());
    expect(error).toBeInstanceOf(FaxrocksServerError);
    expect(error.status).toBe(500);
    expect(sandbox.stats.requests['GET /user']).toBe(3);
  });

  it('a page of /faxes that fails once is fetched again', async () => {
    sandbox.faults.status5xx = 1;
    const pages = [];
    for await (const page of client().listFaxPages({ perPage: 1000 })) pages.push(page);
    expect(pages).toHaveLength(1);
    expect(sandbox.stats.requests['GET /faxes']).toBe(2);
  });

  it('time-out on reads, retried then reported', async () => {
    sandbox.faults.slowMs = 400;
    const error = await failure(client({ timeoutMs: 50, readRetries: 1 }).getUser());
    expect(error).toBeInstanceOf(FaxrocksTimeoutError);
    expect(isTransientFaxrocksError(error)).toBe(true);
    expect(sandbox.stats.requests['GET /user']).toBe(2);
  });

  it('connection refused: a network error, and /send definitely not sent', async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = client({ baseUrl: `http://127.0.0.1:${port}/api`, readRetries: 1 });
    const read = await failure(refused.getUser());
    expect(read).toBeInstanceOf(FaxrocksNetworkError);
    expect((read as FaxrocksNetworkError).code).toBe('ECONNREFUSED');
    const send = await failure(refused.send({ numbers: ['+4930666666'], document: await pdfWithPages(1) }));
    expect(send).toBeInstanceOf(FaxrocksNetworkError);
    expect(send).not.toBeInstanceOf(FaxSendOutcomeUnknownError);
  });

  it('answers that miss a required field name it', async () => {
    const url = await stub((path) =>
      path.startsWith('/api/user')
        ? { body: { id: 7, name: 'No Mail', plan: 'pro' } }
        : { body: { data: [{ id: 'abc', number: '+4930777777', pages: 1, created_at: 'x' }], meta: {} } },
    );
    const user = await failure(client({ baseUrl: url }).getUser());
    expect(user).toBeInstanceOf(FaxrocksResponseError);
    expect(user.message).toContain('"email"');
    const list = await failure(client({ baseUrl: url }).listFaxPages()[Symbol.asyncIterator]().next());
    expect(list).toBeInstanceOf(FaxrocksResponseError);
    expect(list.message).toContain('"data.0.status"');
  });

  it('a download that is not a PDF is a response error', async () => {
    const url = await stub(() => ({ body: '<html>maintenance</html>' }));
    expect(await failure(client({ baseUrl: url }).downloadFax('abc123'))).toBeInstanceOf(
      FaxrocksResponseError,
    );
  });
});

describe('POST /send is never retried', () => {
  const accepted = (number: string) => sandbox.faxes().filter((f) => f.number === number);

  it('5xx before acceptance: outcome unknown, one request', async () => {
    sandbox.faults.status5xx = 3;
    const error = await failure(client().send({ numbers: ['+4930888881'], document: await pdfWithPages(1) }));
    expect(error).toBeInstanceOf(FaxSendOutcomeUnknownError);
    expect(error.cause).toBeInstanceOf(FaxrocksServerError);
    expect(isTransientFaxrocksError(error)).toBe(false);
    expect(sandbox.stats.requests['POST /send']).toBe(1);
    expect(accepted('+4930888881')).toHaveLength(0);
  });

  it('accept then 500: outcome unknown and exactly one fax at the provider', async () => {
    sandbox.faults.acceptThenFail = 1;
    const error = await failure(client().send({ numbers: ['+4930888882'], document: await pdfWithPages(2) }));
    expect(error).toBeInstanceOf(FaxSendOutcomeUnknownError);
    expect(error.status).toBe(500);
    expect(sandbox.stats.requests['POST /send']).toBe(1);
    expect(accepted('+4930888882')).toHaveLength(1);
  });

  it('time-out after the request left: outcome unknown, the fax exists', async () => {
    sandbox.faults.slowMs = 400;
    const error = await failure(
      client({ sendTimeoutMs: 100 }).send({ numbers: ['+4930888883'], document: await pdfWithPages(1) }),
    );
    expect(error).toBeInstanceOf(FaxSendOutcomeUnknownError);
    expect(error.cause).toBeInstanceOf(FaxrocksTimeoutError);
    expect(sandbox.stats.requests['POST /send']).toBe(1);
    expect(accepted('+4930888883')).toHaveLength(1);
  });

  it('429 on /send: not accepted, not retried', async () => {
    sandbox.faults.rateLimit = { count: 1, retryAfterSeconds: 1 };
    const error = await failure(client().send({ numbers: ['+4930888884'], document: await pdfWithPages(1) }));
    expect(error).toBeInstanceOf(FaxrocksRateLimitError);
    expect(sandbox.stats.requests['POST /send']).toBe(1);
  });

  it('connection dropped after the request was written: outcome unknown', async () => {
    const dropper = createNetServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
    stubs.push(dropper);
    const url = `http://127.0.0.1:${(dropper.address() as AddressInfo).port}/api`;
    const error = await failure(
      client({ baseUrl: url }).send({ numbers: ['+4930888885'], document: await pdfWithPages(1) }),
    );
    expect(error).toBeInstanceOf(FaxSendOutcomeUnknownError);
    expect(error.cause).toBeInstanceOf(FaxrocksNetworkError);
  });

  it('a 2xx answer that cannot be read: outcome unknown (the provider took it)', async () => {
    const url = await stub(() => ({ body: { message: 'Fax queued for transfer.' } }));
    const error = await failure(
      client({ baseUrl: url }).send({ numbers: ['+4930888886'], document: await pdfWithPages(1) }),
    );
    expect(error).toBeInstanceOf(FaxSendOutcomeUnknownError);
    expect(error.cause).toBeInstanceOf(FaxrocksResponseError);
  });
});

describe('POST /send after a long synchronous stretch', () => {
  it('lets the event loop read what arrived meanwhile (a keep-alive socket the server closed) before it sends', async () => {
    // The server closes a connection while this process is busy; a request must not go out before
    // the event loop has read that close, or it could ride the dead socket and end "outcome unknown".
    let finSent: () => void = () => {};
    const closing = new Promise<void>((resolve) => {
      finSent = resolve;
    });
    const closer = createNetServer((socket) => socket.end(finSent));
    await new Promise<void>((resolve) => closer.listen(0, '127.0.0.1', resolve));
    stubs.push(closer);
    const idle = connect((closer.address() as AddressInfo).port, '127.0.0.1');
    idle.pause(); // nothing is read until the stretch is over
    let closedSeen = false;
    idle.on('end', () => {
      closedSeen = true;
    });
    const document = await pdfWithPages(1);
    await closing; // the server's FIN now waits, unread, at the client's end
    // Run what follows inside an I/O callback, the hardest case: the loop's check phase comes next,
    // before any further poll.
    await readFile(import.meta.filename);
    let closedSeenAtSend: boolean | undefined;
    const sending = new FaxrocksClient({
      baseUrl: 'http://127.0.0.1:9/api',
      token: staticToken(TOKEN),
      fetch: async () => {
        closedSeenAtSend = closedSeen;
        return new Response(JSON.stringify({ number: '+4930123456', pages: 1, estimated_costs: 0.09 }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      },
    }).send({ numbers: ['+4930123456'], document });
    idle.resume();
    expect(closedSeen).toBe(false);
    await sending;
    expect(closedSeenAtSend).toBe(true);
    idle.destroy();
  });
});

describe('edge validation (properties)', () => {
  const record = {
    id: '656081f85ab27167270',
    number: '+49123456789',
    sent_at: 1705849200,
    sent_at_timezone: 'Europe/Berlin',
    status: true,
    error: null,
    price: '0.09',
    pages: 1,
    pages_sent: 1,
    created_at: '2024-01-21T15:00:00.000000Z',
    updated_at: '2024-01-21T15:01:00.000000Z',
  };
  const required = ['id', 'number', 'status', 'pages', 'created_at'] as const;

  it('unknown extra fields never change the record', () => {
    const expected = parseFaxList({ data: [record] }).faxes[0];
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string().filter((k) => !(k in record) && k !== '__proto__'),
          fc.jsonValue(),
        ),
        (extra) => {
          expect(parseFaxList({ data: [{ ...extra, ...record }], meta: extra }).faxes[0]).toEqual(expected);
        },
      ),
    );
  });

  it('a missing required field is named', () => {
    fc.assert(
      fc.property(fc.constantFrom(...required), (field) => {
        const { [field]: _, ...rest } = record;
        expect(() => parseFaxList({ data: [rest] })).toThrow(`"data.0.${field}"`);
      }),
    );
  });

  it('Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400 }), (seconds) => {
        expect(retryAfterSeconds(String(seconds), now)).toBe(seconds);
        expect(retryAfterSeconds(new Date(now + seconds * 1000).toUTCString(), now)).toBe(seconds);
      }),
    );
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(null, now)).toBeUndefined();
  });
});

describe('the token', () => {
  it('never appears in an error message, its serialisation, its inspection or a log line', async () => {
    expect(caught.length).toBeGreaterThan(15);
    for (const error of caught) {
      expect(String(error)).not.toContain(TOKEN);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
      expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(TOKEN);
    }
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).not.toContain(TOKEN);
    expect(JSON.stringify(client())).not.toContain(TOKEN);
  });
});
