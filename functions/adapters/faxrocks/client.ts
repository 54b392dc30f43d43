// The faxrocks REST client (../shared/faxrocks-api.txt): Bearer token, `Accept: application/json`
// and a time limit on every call, answers checked at the edge, typed errors. Reads retry transient
// faults with jittered exponential backoff; POST /send is never retried, because a fax accepted
// twice is sent twice. The token is held only inside the TokenSource and the Authorization header.

import { setImmediate as nextCheckPhase, setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigError,
  FaxNotFoundError,
  ProviderAccessDeniedError,
  ProviderRateLimitedError,
  SendOutcomeUnknownError,
  SendRefusedError,
} from '../../errors.ts';
import type { FaxApi, FaxPage, FaxrocksUser, Log, QueuedFax, SendFaxRequest } from '../../ports.ts';
import { madeInPieces, STRING_PIECE_CHARACTERS } from '../../string-pieces.ts';
import {
  FaxrocksError,
  FaxrocksNetworkError,
  FaxrocksResponseError,
  FaxrocksServerError,
  FaxrocksTimeoutError,
} from './errors.ts';
import { parseFaxList, parseSendAnswer, parseUser } from './schema.ts';

/** Where the token comes from (SSM, Secrets Manager, a constant). `refresh` re-reads it after a 401. */
export interface TokenSource {
  get(): Promise<string>;
  refresh?(): Promise<string>;
}

export function staticToken(token: string): TokenSource {
  return { get: async () => token };
}

export interface FaxrocksClientOptions {
  /** @default 'https://faxrocks.com/api' */
  baseUrl?: string;
  token: TokenSource;
  /** Time limit of each read, answer body included. @default 10_000 */
  timeoutMs?: number;
  /** Time limit of POST /send (the upload can be ~40 MB). @default 60_000 */
  sendTimeoutMs?: number;
  /** Extra attempts of a GET after a transient fault. @default 3 */
  readRetries?: number;
  /** First backoff step; doubles per attempt, with jitter. @default 250 */
  backoffMs?: number;
  /** A wait longer than this (e.g. a long Retry-After) ends the retries at once. @default 30_000 */
  maxRetryDelayMs?: number;
  fetch?: typeof fetch;
  log?: Log;
  /** Plain http is refused except on loopback, so the token never crosses a network in clear. @default false */
  allowInsecureHttp?: boolean;
  /** For jitter; tests may pin it. @default Math.random */
  random?: () => number;
}

export const DEFAULT_FAXROCKS_BASE_URL = 'https://faxrocks.com/api';

/** Connection failures that prove the request never left: /send then definitely did not happen. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);

const MAX_LIST_PAGES = 10_000;

interface Answer {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

export class FaxrocksClient implements FaxApi {
  private readonly baseUrl: string;
  private readonly token: TokenSource;
  private readonly timeoutMs: number;
  private readonly sendTimeoutMs: number;
  private readonly readRetries: number;
  private readonly backoffMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly log: Log | undefined;
  private readonly random: () => number;

  constructor(options: FaxrocksClientOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_FAXROCKS_BASE_URL).replace(/\/+$/, '');
    checkBaseUrl(this.baseUrl, options.allowInsecureHttp ?? false);
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 60_000;
    this.readRetries = options.readRetries ?? 3;
    this.backoffMs = options.backoffMs ?? 250;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.log = options.log;
    this.random = options.random ?? Math.random;
  }

  async send(request: SendFaxRequest): Promise<QueuedFax[]> {
    const route = 'POST /send';
    const { numbers } = request;
    if (numbers.length < 1 || numbers.length > 10) {
      throw new SendRefusedError(`${route}: 1 to 10 numbers per call, not ${numbers.length}`, {
        fieldErrors: { numbers: ['Between 1 and 10 numbers per /send call.'] },
      });
    }
    const body = sendRequestBody(request);

    // Let the event loop settle idle keep-alive sockets first: after a long synchronous stretch
    // (a PDF merge, this body) or a thawed Lambda, a socket the server already closed would
    // otherwise carry the upload, fail with ECONNRESET and turn a fax that was never sent into
    // "outcome unknown". An immediate queued from an immediate runs in the next loop iteration's
    // check phase, so the second one resolves only after a poll phase that began after this
    // stretch: the server's FIN is read there and the socket destroyed, and the request then goes
    // out on a fresh connection. (A 1 ms timer gave the same guarantee and cost a millisecond.)
    await nextCheckPhase();
    await nextCheckPhase();

    let answer: Answer;
    try {
      answer = await this.exchange('POST', `${this.baseUrl}/send`, route, body, this.sendTimeoutMs);
    } catch (error) {
      throw this.sendFault(route, error);
    }
    if (answer.status < 200 || answer.status >= 300) {
      const error = errorFor(route, answer);
      throw this.sendFault(route, error);
    }
    try {
      return parseSendAnswer(parseJson(route, answer));
    } catch (error) {
      // A 2xx means the provider took the fax; only the details are unreadable.
      throw new SendOutcomeUnknownError(
        `${route}: accepted (${answer.status}) but the answer could not be read; the fax may be queued`,
        { status: answer.status, cause: error },
      );
    }
  }

  async *listFaxPages(options: { perPage?: number } = {}): AsyncGenerator<FaxPage> {
    const { perPage } = options;
    if (perPage !== undefined && (!Number.isInteger(perPage) || perPage < 1 || perPage > 1000)) {
      throw new RangeError(`GET /faxes: perPage must be an integer from 1 to 1000, not ${perPage}`);
    }
    let expectedPage = 1;
    let url = this.listUrl(expectedPage, perPage);
    for (let fetched = 0; fetched < MAX_LIST_PAGES; fetched++) {
      const list = await this.read('GET /faxes', url, (answer) =>
        parseFaxList(parseJson('GET /faxes', answer)),
      );
      const page = list.currentPage ?? expectedPage;
      const more =
        list.faxes.length > 0 && (list.nextUrl !== null || (list.lastPage !== null && page < list.lastPage));
      yield { faxes: list.faxes, page, lastPage: list.lastPage, hasNext: more };
      if (!more) return;
      expectedPage = page + 1;
      url = this.nextPageUrl(list.nextUrl, expectedPage, perPage);
    }
  }

  getUser(): Promise<FaxrocksUser> {
    return this.read('GET /user', `${this.baseUrl}/user`, (answer) =>
      parseUser(parseJson('GET /user', answer)),
    );
  }

  downloadFax(id: string): Promise<Uint8Array> {
    return this.download(id, 'fax');
  }

  downloadReceipt(id: string): Promise<Uint8Array> {
    return this.download(id, 'receipt');
  }

  private async download(id: string, what: 'fax' | 'receipt'): Promise<Uint8Array> {
    const route = `GET /faxes/{id}/${what}`;
    // Ids are alphanumeric; anything else could walk the path ("..") to another endpoint.
    if (!/^[A-Za-z0-9]+$/.test(id)) {
      throw new FaxNotFoundError(`${route}: "${id.slice(0, 40)}" is not a faxrocks fax id`);
    }
    return this.read(route, `${this.baseUrl}/faxes/${id}/${what}`, (answer) => {
      const head = Buffer.from(answer.bytes.subarray(0, 1024)).toString('latin1');
      if (!head.includes('%PDF-')) {
        throw new FaxrocksResponseError(`faxrocks answer to ${route}: not a PDF`, { status: answer.status });
      }
      return answer.bytes;
    });
  }

  private listUrl(page: number, perPage: number | undefined): string {
    const query = new URLSearchParams();
    if (perPage !== undefined) query.set('perPage', String(perPage));
    query.set('page', String(page));
    return `${this.baseUrl}/faxes?${query}`;
  }

  /**
   * Follows `links.next` when it points to the same endpoint on the same origin (the token must
   * never go elsewhere) and moves forward; otherwise builds the next page's URL from meta.
   * perPage is kept either way: Laravel drops it from links unless the provider asks otherwise.
   */
  private nextPageUrl(next: string | null, page: number, perPage: number | undefined): string {
    if (next !== null) {
      try {
        const base = new URL(`${this.baseUrl}/faxes`);
        const link = new URL(next, base);
        const linkPage = Number(link.searchParams.get('page'));
        if (link.origin === base.origin && link.pathname === base.pathname && linkPage === page) {
          if (perPage !== undefined) link.searchParams.set('perPage', String(perPage));
          return link.toString();
        }
      } catch {
        // Not a URL: fall back to meta.
      }
    }
    return this.listUrl(page, perPage);
  }

  /** A GET with retries of transient faults, then the parser on the successful answer. */
  private async read<T>(route: string, url: string, parse: (answer: Answer) => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await this.exchange('GET', url, route, undefined, this.timeoutMs);
        if (answer.status < 200 || answer.status >= 300) throw errorFor(route, answer);
        return parse(answer);
      } catch (error) {
        if (!isWorthRereading(error) || attempt >= this.readRetries) throw error;
        const delayMs = this.retryDelayMs(attempt, error);
        if (delayMs > this.maxRetryDelayMs) throw error;
        this.log?.warn('faxrocks read failed, retrying', {
          route,
          attempt: attempt + 1,
          delayMs,
          error: (error as Error).name,
          status: (error as { status?: number }).status,
        });
        await sleep(delayMs);
      }
    }
  }

  private retryDelayMs(attempt: number, error: unknown): number {
    const step = this.backoffMs * 2 ** attempt;
    const jittered = step / 2 + (this.random() * step) / 2;
    if (error instanceof ProviderRateLimitedError && error.retryAfterSeconds !== undefined) {
      return Math.max(error.retryAfterSeconds * 1000, jittered);
    }
    return jittered;
  }

  /** One call, plus one repeat with a refreshed token after a 401 (nothing was accepted then). */
  private async exchange(
    method: 'GET' | 'POST',
    url: string,
    route: string,
    body: string | Uint8Array | undefined,
    timeoutMs: number,
  ): Promise<Answer> {
    let answer = await this.once(
      method,
      url,
      route,
      body,
      timeoutMs,
      await this.tokenFrom(() => this.token.get()),
    );
    if (answer.status === 401 && this.token.refresh) {
      const refresh = this.token.refresh.bind(this.token);
      this.log?.info('faxrocks answered 401, refreshing the token once', { route });
      answer = await this.once(method, url, route, body, timeoutMs, await this.tokenFrom(refresh));
    }
    return answer;
  }

  private async tokenFrom(read: () => Promise<string>): Promise<string> {
    try {
      return await read();
    } catch (error) {
      throw new FaxrocksError('could not read the faxrocks token', { cause: error });
    }
  }

  private async once(
    method: 'GET' | 'POST',
    url: string,
    route: string,
    body: string | Uint8Array | undefined,
    timeoutMs: number,
    token: string,
  ): Promise<Answer> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await this.fetchFn(url, {
        method,
        headers: {
          Accept: 'application/json',
          Authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        body,
        signal,
        // A redirect means a wrong base URL or a missing Accept header; never carry the token along.
        redirect: 'manual',
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      this.log?.debug('faxrocks call', { route, status: response.status });
      return { status: response.status, headers: response.headers, bytes };
    } catch (error) {
      throw transportError(route, error, timeoutMs);
    }
  }

  /** Maps a failed /send to "definitely not sent" or "outcome unknown". */
  private sendFault(route: string, error: unknown): unknown {
    const mayHaveArrived =
      error instanceof FaxrocksServerError ||
      error instanceof FaxrocksTimeoutError ||
      (error instanceof FaxrocksNetworkError && !NOT_SENT_CODES.has(error.code ?? ''));
    if (!mayHaveArrived) return error;
    this.log?.warn('faxrocks /send outcome unknown', { route, error: (error as Error).name });
    return new SendOutcomeUnknownError(
      `${route}: the outcome is unknown (${(error as Error).message}); the fax may have been queued, do not resend blindly`,
      { status: (error as { status?: number }).status, cause: error },
    );
  }
}

/** A host name (or URL hostname) that stays on this machine: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function checkBaseUrl(baseUrl: string, allowInsecureHttp: boolean): void {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConfigError(`the faxrocks base URL is not a URL: "${baseUrl.slice(0, 200)}"`);
  }
  const plainAllowed = isLoopbackHost(url.hostname) || allowInsecureHttp;
  if (url.protocol === 'https:' || (url.protocol === 'http:' && plainAllowed)) return;
  throw new ConfigError(
    `the faxrocks base URL must be https (plain http only on loopback): "${url.origin}${url.pathname}"`,
  );
}

/**
 * The POST /send body, as the bytes that go on the wire. The document's base64 (up to ~40 MB) is
 * written once, straight into the body: base64 needs no JSON escaping, so JSON.stringify's scan and
 * copy of it, and fetch's UTF-8 copy of that string, are skipped (bench/: a third of the inbound
 * time for a 10 MiB PDF, and one copy less of the document at peak). Encoding in small slices
 * saves another 20 MiB at peak but measured slower for large documents, so above about 1 MB of
 * base64 it is one string; below, pieces cost less than one string (see string-pieces.ts).
 */
export function sendRequestBody(request: SendFaxRequest): Buffer {
  const { numbers, document } = request;
  const fields = JSON.stringify({
    ...(numbers.length === 1 ? { number: numbers[0] } : { numbers }),
    ...(request.scheduledAt ? { scheduled_at: request.scheduledAt } : {}),
    ...(request.timezone ? { timezone: request.timezone } : {}),
  });
  const bytes = Buffer.from(document.buffer, document.byteOffset, document.byteLength);
  const characters = Math.ceil(bytes.length / 3) * 4;
  const head = `${fields.slice(0, -1)},"data":"`;
  const body = Buffer.allocUnsafe(Buffer.byteLength(head) + characters + 2);
  let at = body.write(head, 0, 'utf8');
  // Pieces of whole groups of three bytes, so their base64 joins as the whole's.
  const piece = madeInPieces(characters) ? (STRING_PIECE_CHARACTERS / 4) * 3 : bytes.length;
  for (let from = 0; from < bytes.length; from += piece) {
    at += body.write(bytes.toString('base64', from, Math.min(bytes.length, from + piece)), at, 'latin1');
  }
  body.write('"}', at, 'latin1');
  return body;
}

function transportError(route: string, error: unknown, timeoutMs: number): Error {
  if (error instanceof FaxrocksError) return error;
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new FaxrocksTimeoutError(`${route}: no answer from faxrocks within ${timeoutMs} ms`, {
      cause: error,
    });
  }
  const code = errorCode(error);
  return new FaxrocksNetworkError(`${route}: connection to faxrocks failed${code ? ` (${code})` : ''}`, {
    code,
    cause: error,
  });
}

/** undici reports `fetch failed` with the socket error (or an AggregateError of them) as cause. */
function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') return code;
    current = cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return undefined;
}

function parseJson(route: string, answer: Answer): unknown {
  try {
    return JSON.parse(Buffer.from(answer.bytes).toString('utf8'));
  } catch {
    throw new FaxrocksResponseError(`faxrocks answer to ${route} is not JSON`, { status: answer.status });
  }
}

/** Retry-After is either seconds or an HTTP date. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** A non-2xx answer as the port's error (or the client's own, for what no port error names). */
function errorFor(route: string, answer: Answer): Error {
  const { status } = answer;
  let body: { message?: unknown; errors?: unknown } = {};
  try {
    body = JSON.parse(Buffer.from(answer.bytes).toString('utf8')) ?? {};
  } catch {
    // Not JSON (an HTML error page, a proxy): the status says enough.
  }
  const said = typeof body.message === 'string' ? `: ${body.message.slice(0, 300)}` : '';
  const message = `faxrocks ${route} answered ${status}${said}`;
  if (status >= 300 && status < 400) {
    return new FaxrocksResponseError(`${message} (a redirect: check the base URL)`, { status });
  }
  switch (status) {
    case 401:
    case 403:
      return new ProviderAccessDeniedError(message, { status });
    case 404:
      return new FaxNotFoundError(message, { status });
    case 422:
      return new SendRefusedError(message, { status, fieldErrors: fieldErrorsOf(body.errors) });
    case 429:
      return new ProviderRateLimitedError(message, {
        status,
        retryAfterSeconds: retryAfterSeconds(answer.headers.get('retry-after')),
      });
  }
  if (status >= 500) return new FaxrocksServerError(message, { status });
  return new FaxrocksError(message, { status });
}

/** A GET worth repeating: throttled, 5xx, time-out, network. Not 401/403: a new attempt would not help. */
function isWorthRereading(error: unknown): boolean {
  return (
    error instanceof ProviderRateLimitedError ||
    error instanceof FaxrocksServerError ||
    error instanceof FaxrocksTimeoutError ||
    error instanceof FaxrocksNetworkError
  );
}

function fieldErrorsOf(errors: unknown): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  if (typeof errors !== 'object' || errors === null) return result;
  for (const [field, messages] of Object.entries(errors)) {
    const list = Array.isArray(messages) ? messages : [messages];
    result[field] = list.filter((m): m is string => typeof m === 'string');
  }
  return result;
}
