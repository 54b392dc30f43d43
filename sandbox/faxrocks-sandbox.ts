// A local implementation of the faxrocks REST API (../shared/faxrocks-api.txt) for tests, the
// benchmark and the one-machine runtime. It answers like the Laravel application behind faxrocks:
// Bearer auth, JSON errors only for clients that ask for JSON, `{message, errors}` on 422, and
// Laravel's paginator shape on GET /faxes. Faults can be switched on at run time.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FaxView, isFinal, priceOf, SandboxFaxStore, type StoredFax, viewOf } from './fax-store.ts';
import { receiptPdf, standInDocument } from './receipt-pdf.ts';
import { type FieldErrors, laravelMessage, validateSend } from './send-validation.ts';
import { SANDBOX_FOREIGN_FAX_ID } from './test-numbers.ts';

export type { FaxView } from './fax-store.ts';
export { SANDBOX_FOREIGN_FAX_ID, SANDBOX_TEST_NUMBERS } from './test-numbers.ts';

export interface SandboxOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 8787 */
  port?: number;
  /** @default 'sandbox-token' */
  token?: string;
  /** Time from creation (or scheduled_at) until a fax is final. @default 3000 */
  deliveryDelayMs?: number;
  /** Keeps faxes and documents there, so they survive a restart. Absent: memory only. */
  dataDir?: string;
  /** The sandbox's clock: tests move it instead of waiting. @default () => new Date() */
  now?: () => Date;
  /** Order of GET /faxes; 'oldest-first' imitates a provider whose order cannot be trusted. @default 'newest-first' */
  order?: 'newest-first' | 'oldest-first';
  /** One line per request (method, path, status); never the token or document bytes. */
  log?: (line: string) => void;
  /** @default 0.09 */
  pricePerPage?: number;
  /** @default 60 MiB */
  maxBodyBytes?: number;
  /** The account's time zone, used when /send names none. @default 'Europe/Berlin' */
  timezone?: string;
}

/**
 * Fault switches, read on every request and changeable at any time (also over
 * `POST /__sandbox/faults`). Counters count down as they fire.
 */
export interface FaultSwitches {
  /** The next N API calls answer 500 without doing anything. */
  status5xx?: number;
  /** The next N POST /send calls answer 500 without doing anything (other routes unaffected). */
  send5xx?: number;
  /** The next `count` API calls answer 429 with `Retry-After: retryAfterSeconds` (or an HTTP date). */
  rateLimit?: { count: number; retryAfterSeconds: number; asHttpDate?: boolean };
  /** Every answer is held back this long (after the work is done: a slow /send still creates the fax). */
  slowMs?: number;
  /** The next N valid /send calls store the fax, then answer 500. */
  acceptThenFail?: number;
}

export interface SandboxStats {
  /** Requests per route, e.g. `requests['GET /faxes']`; every request counts, faulted ones too. */
  requests: Record<string, number>;
  reset(): void;
}

export interface SeedFax {
  number: string;
  createdAt: Date | string;
  /** @default 1 */
  pages?: number;
  id?: string;
  /** Fixes the outcome; absent, the number's fate and the delivery delay decide. */
  status?: 'pending' | 'delivered' | 'failed';
  error?: string;
  pagesSent?: number;
  timezone?: string;
}

export interface FaxrocksSandbox {
  /** Base URL ending in `/api`, e.g. `http://127.0.0.1:8787/api`. */
  url: string;
  port: number;
  token: string;
  faults: FaultSwitches;
  stats: SandboxStats;
  /** Inserts historical faxes in one go (10,000 take a few milliseconds). Returns their ids. */
  seedFaxes(list: SeedFax[]): Promise<string[]>;
  /** All faxes as GET /faxes would show them now, in the listing order. */
  faxes(): FaxView[];
  close(): Promise<void>;
}

const USER = {
  id: 1,
  name: 'Sandbox User',
  email: 'sandbox@faxrocks.test',
  timezone: 'Europe/Berlin',
  email_verified_at: '2024-01-01T00:00:00.000000Z',
  created_at: '2024-01-01T00:00:00.000000Z',
  updated_at: '2024-01-01T00:00:00.000000Z',
};

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: FieldErrors,
  ) {
    super(message);
  }
}

export async function startFaxrocksSandbox(options: SandboxOptions = {}): Promise<FaxrocksSandbox> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? 'sandbox-token';
  const deliveryDelayMs = options.deliveryDelayMs ?? 3000;
  const now = options.now ?? (() => new Date());
  const order = options.order ?? 'newest-first';
  const pricePerPage = options.pricePerPage ?? 0.09;
  const maxBodyBytes = options.maxBodyBytes ?? 60 * 1024 * 1024;
  const accountTimezone = options.timezone ?? USER.timezone;
  const log = options.log ?? (() => undefined);
  const store = new SandboxFaxStore(options.dataDir);
  const faults: FaultSwitches = {};
  const requests: Record<string, number> = {};
  const stats: SandboxStats = {
    requests,
    reset() {
      for (const key of Object.keys(requests)) delete requests[key];
    },
  };
  const timers = new Set<NodeJS.Timeout>();
  const expectedAuth = Buffer.from(`Bearer ${token}`);

  const view = (fax: StoredFax) => viewOf(fax, now().getTime(), deliveryDelayMs, pricePerPage);

  function routeOf(method: string, path: string): { key: string; id?: string } {
    if (path === '/api/send') return { key: 'POST /send' };
    if (path === '/api/faxes') return { key: 'GET /faxes' };
    if (path === '/api/user') return { key: 'GET /user' };
    const download = /^\/api\/faxes\/([^/]+)\/(fax|receipt)$/.exec(path);
    if (download?.[1] && download[2]) {
      return { key: `GET /faxes/{id}/${download[2]}`, id: decodeURIComponent(download[1]) };
    }
    return { key: `${method} (unknown route)` };
  }

  function authorised(req: IncomingMessage): boolean {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) throw new HttpProblem(413, 'The request entity is too large.');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBodyBytes) throw new HttpProblem(413, 'The request entity is too large.');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  function parseJson(body: Buffer): unknown {
    // Laravel reads a malformed JSON body as no input at all; validation then names the fields.
    try {
      return body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return {};
    }
  }

  function faxFor(id: string): StoredFax {
    if (id === SANDBOX_FOREIGN_FAX_ID) throw new HttpProblem(403, 'This action is unauthorized.');
    const fax = /^[a-z0-9]+$/.test(id) ? store.get(id) : undefined;
    if (!fax) throw new HttpProblem(404, `No query results for model [App\\Models\\Fax] ${id}`);
    return fax;
  }

  async function handleSend(req: IncomingMessage): Promise<Answer> {
    if (faults.send5xx && faults.send5xx > 0) {
      faults.send5xx--;
      throw new HttpProblem(500, 'Server Error');
    }
    const body = parseJson(await readBody(req));
    const result = await validateSend(body, accountTimezone);
    if (!result.ok) throw new HttpProblem(422, laravelMessage(result.errors), result.errors);
    const send = result.value;
    const createdAtMs = now().getTime();
    await store.add(
      send.numbers.map((number) => ({
        number,
        pages: send.pages,
        createdAtMs,
        startAtMs: Math.max(createdAtMs, send.scheduledAtMs ?? createdAtMs),
        timezone: send.timezone ?? accountTimezone,
        document: send.document,
      })),
    );
    if (faults.acceptThenFail && faults.acceptThenFail > 0) {
      faults.acceptThenFail--;
      throw new HttpProblem(500, 'Server Error');
    }
    const estimated = priceOf(send.pages, pricePerPage);
    if (!send.batch) {
      return json(200, {
        message: 'Fax queued for transfer.',
        number: send.numbers[0],
        pages: send.pages,
        estimated_costs: estimated,
      });
    }
    return json(200, {
      message: 'Faxes queued for transfer.',
      faxes: send.numbers.map((number) => ({ number, pages: send.pages, estimated_costs: estimated })),
    });
  }

  function handleList(url: URL, base: string): Answer {
    const rawPerPage = url.searchParams.get('perPage');
    let perPage = 15;
    if (rawPerPage !== null) {
      const errors: FieldErrors = {};
      if (!/^-?\d+$/.test(rawPerPage)) errors.perPage = ['The per page field must be an integer.'];
      else if (Number(rawPerPage) < 1 || Number(rawPerPage) > 1000) {
        errors.perPage = ['The per page field must be between 1 and 1000.'];
      }
      if (errors.perPage) throw new HttpProblem(422, laravelMessage(errors), errors);
      perPage = Number(rawPerPage);
    }
    const rawPage = Number(url.searchParams.get('page') ?? '1');
    // Laravel's paginator reads anything that is not a positive integer as page 1.
    const page = Number.isInteger(rawPage) && rawPage >= 1 ? rawPage : 1;
    const all = store.list(order);
    const total = all.length;
    const lastPage = Math.max(1, Math.ceil(total / perPage));
    const slice = all.slice((page - 1) * perPage, page * perPage);
    const path = `${base}/faxes`;
    // Like Laravel's withQueryString(): the page links keep perPage.
    const link = (n: number) => `${path}?${rawPerPage !== null ? `perPage=${perPage}&` : ''}page=${n}`;
    return json(200, {
      data: slice.map(view),
      links: {
        first: link(1),
        last: link(lastPage),
        prev: page > 1 ? link(page - 1) : null,
        next: page < lastPage ? link(page + 1) : null,
      },
      meta: {
        current_page: page,
        from: slice.length ? (page - 1) * perPage + 1 : null,
        last_page: lastPage,
        path,
        per_page: perPage,
        to: slice.length ? (page - 1) * perPage + slice.length : null,
        total,
      },
    });
  }

  async function handleDownload(id: string, what: 'fax' | 'receipt'): Promise<Answer> {
    const fax = faxFor(id);
    if (what === 'fax') {
      const bytes = (await store.document(fax)) ?? (await standInDocument(fax.id, fax.pages));
      return pdf(bytes, `fax-${fax.id}.pdf`);
    }
    const current = view(fax);
    // No receipt exists until the fax is final: the provider answers as for a missing file.
    if (!isFinal(current))
      throw new HttpProblem(404, 'The receipt is not available yet: the fax is still pending.');
    return pdf(await receiptPdf(current), `receipt-${fax.id}.pdf`);
  }

  async function handleApi(req: IncomingMessage, url: URL, base: string): Promise<Answer> {
    const method = req.method ?? 'GET';
    const route = routeOf(method, url.pathname);
    requests[route.key] = (requests[route.key] ?? 0) + 1;

    if (faults.status5xx && faults.status5xx > 0) {
      faults.status5xx--;
      throw new HttpProblem(500, 'Server Error');
    }
    if (faults.rateLimit && faults.rateLimit.count > 0) {
      faults.rateLimit.count--;
      const { retryAfterSeconds, asHttpDate } = faults.rateLimit;
      const retryAfter = asHttpDate
        ? new Date(Date.now() + retryAfterSeconds * 1000).toUTCString()
        : String(retryAfterSeconds);
      return { ...json(429, { message: 'Too Many Attempts.' }), headers: { 'retry-after': retryAfter } };
    }

    const expectedMethod = route.key.startsWith('POST') ? 'POST' : 'GET';
    if (route.key.includes('unknown route')) {
      throw new HttpProblem(404, `The route ${url.pathname.slice(1)} could not be found.`);
    }
    if (method !== expectedMethod && !(method === 'HEAD' && expectedMethod === 'GET')) {
      throw new HttpProblem(
        405,
        `The ${method} method is not supported for route ${url.pathname.slice(1)}. Supported methods: ${expectedMethod}.`,
      );
    }
    if (!authorised(req)) throw new HttpProblem(401, 'Unauthenticated.');

    if (route.key === 'POST /send') return handleSend(req);
    if (route.key === 'GET /faxes') return handleList(url, base);
    if (route.key === 'GET /user') return json(200, USER);
    return handleDownload(route.id ?? '', route.key.endsWith('receipt') ? 'receipt' : 'fax');
  }

  async function handleControl(req: IncomingMessage, url: URL): Promise<Answer> {
    const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '');
    if (!loopback) throw new HttpProblem(403, 'The sandbox control routes answer on loopback only.');
    if (url.pathname === '/__sandbox/faults') {
      if (req.method === 'POST') setFaults(parseJson(await readBody(req)));
      else if (req.method === 'DELETE') setFaults(null);
      return json(200, { faults });
    }
    if (url.pathname === '/__sandbox/stats') {
      if (req.method === 'DELETE') stats.reset();
      return json(200, { requests });
    }
    throw new HttpProblem(404, `The route ${url.pathname.slice(1)} could not be found.`);
  }

  /** Merges switches; a `null` value (or a null body) switches off. */
  function setFaults(input: unknown) {
    if (input === null || typeof input !== 'object') {
      for (const key of Object.keys(faults) as Array<keyof FaultSwitches>) delete faults[key];
      return;
    }
    const given = input as Record<string, unknown>;
    const count = (v: unknown, name: string) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new HttpProblem(422, `${name} must be a whole number of 0 or more.`);
      }
      return v;
    };
    for (const key of ['status5xx', 'send5xx', 'slowMs', 'acceptThenFail'] as const) {
      if (!(key in given)) continue;
      if (given[key] === null) delete faults[key];
      else faults[key] = count(given[key], key);
    }
    if ('rateLimit' in given) {
      const rate = given.rateLimit as Record<string, unknown> | null;
      if (rate === null) delete faults.rateLimit;
      else {
        faults.rateLimit = {
          count: count(rate?.count, 'rateLimit.count'),
          retryAfterSeconds: count(rate?.retryAfterSeconds, 'rateLimit.retryAfterSeconds'),
          asHttpDate: rate?.asHttpDate === true,
        };
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? `${host}:${port}`}`);
    const base = `${url.origin}/api`;
    let answer: Answer;
    const control = url.pathname.startsWith('/__sandbox/');
    try {
      answer = control ? await handleControl(req, url) : await handleApi(req, url, base);
    } catch (error) {
      if (!(error instanceof HttpProblem)) {
        log(
          `sandbox defect on ${req.method} ${url.pathname}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      // The control routes are for scripts: always JSON, whatever Accept says.
      answer = problemAnswer(error, req, url, control);
    }
    if (!control && faults.slowMs && faults.slowMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, faults.slowMs);
        timers.add(timer);
      });
    }
    log(`${req.method} ${url.pathname} ${answer.status}`);
    if (res.destroyed) return;
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
    // An over-long upload is cut off rather than read to its end.
    if (answer.status === 413) req.destroy();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`sandbox defect: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Server Error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/api`,
    port,
    token,
    faults,
    stats,
    async seedFaxes(list) {
      const added = await store.add(
        list.map((seed) => {
          const createdAtMs = new Date(seed.createdAt).getTime();
          if (Number.isNaN(createdAtMs))
            throw new TypeError(`seedFaxes: createdAt is not a date: ${seed.createdAt}`);
          return {
            id: seed.id,
            number: seed.number,
            pages: seed.pages ?? 1,
            createdAtMs,
            startAtMs: createdAtMs,
            timezone: seed.timezone ?? accountTimezone,
            fixed: seed.status
              ? { status: seed.status, error: seed.error, pagesSent: seed.pagesSent }
              : undefined,
          };
        }),
      );
      return added.map((fax) => fax.id);
    },
    faxes() {
      return store.list(order).map(view);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.flush();
    },
  };
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function json(status: number, value: unknown): Answer {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-cache, private' },
    body: Buffer.from(JSON.stringify(value)),
  };
}

function pdf(bytes: Uint8Array, filename: string): Answer {
  return {
    status: 200,
    headers: {
      'content-type': 'application/pdf',
      'content-disposition': `attachment; filename="${filename}"`,
    },
    body: Buffer.from(bytes),
  };
}

/** Laravel's `expectsJson()`: the first acceptable type is JSON. */
function wantsJson(req: IncomingMessage): boolean {
  const first = (req.headers.accept ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.includes('/json') || first.includes('+json');
}

function problemAnswer(error: unknown, req: IncomingMessage, url: URL, forceJson: boolean): Answer {
  const problem = error instanceof HttpProblem ? error : new HttpProblem(500, 'Server Error');
  if (!forceJson && !wantsJson(req)) {
    // What Laravel does for a browser: send it to the login page or back to the form.
    if (problem.status === 401) return redirect(`${url.origin}/login`);
    if (problem.status === 422) return redirect(req.headers.referer ?? `${url.origin}/`);
    return {
      status: problem.status,
      headers: { 'content-type': 'text/html; charset=UTF-8' },
      body: Buffer.from(
        `<!DOCTYPE html><html><head><title>${problem.status}</title></head><body>${problem.message}</body></html>`,
      ),
    };
  }
  return json(
    problem.status,
    problem.errors ? { message: problem.message, errors: problem.errors } : { message: problem.message },
  );
}

function redirect(location: string): Answer {
  return {
    status: 302,
    headers: { location, 'content-type': 'text/html; charset=UTF-8' },
    body: Buffer.from(''),
  };
}
