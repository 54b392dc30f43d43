// The provider's answers, checked at the edge and mapped to the camelCase records of ports.ts.
// Unknown extra fields are tolerated; a missing or mistyped required field is a
// FaxrocksResponseError that names it (never the whole body: it could be large).

import type { FaxRecord, FaxrocksUser, QueuedFax } from '../../ports.ts';
import { FaxrocksResponseError } from './errors.ts';

type Json = Record<string, unknown>;

function fail(where: string, field: string, expected: string, status?: number): never {
  throw new FaxrocksResponseError(`faxrocks answer to ${where}: field "${field}" ${expected}`, { status });
}

function object(value: unknown, where: string, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(where, field, 'is missing or not an object');
  }
  return value as Json;
}

function string(obj: Json, key: string, where: string, prefix = ''): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') fail(where, prefix + key, 'is missing or not a string');
  return value;
}

function count(obj: Json, key: string, where: string, prefix = ''): number {
  const value = typeof obj[key] === 'string' && /^\d+$/.test(obj[key]) ? Number(obj[key]) : obj[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    fail(where, prefix + key, 'is missing or not a whole number');
  }
  return value;
}

function amount(obj: Json, key: string, where: string, prefix = ''): number {
  const raw = obj[key];
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail(where, prefix + key, 'is missing or not a number');
  return value;
}

/** The API page shows prices as decimal strings ("0.09"); a number is accepted too. */
function decimal(obj: Json, key: string, where: string, prefix = ''): string {
  const raw = obj[key];
  if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  fail(where, prefix + key, 'is not a decimal number');
}

function nullable<T>(obj: Json, key: string, read: () => T): T | null {
  return obj[key] === undefined || obj[key] === null ? null : read();
}

function queuedFax(obj: Json, where: string, prefix: string): QueuedFax {
  return {
    number: string(obj, 'number', where, prefix),
    pages: count(obj, 'pages', where, prefix),
    estimatedCost: amount(obj, 'estimated_costs', where, prefix),
  };
}

/** Both answer shapes of POST /send: single (`number` at the top) and batch (`faxes`). */
export function parseSendAnswer(body: unknown): QueuedFax[] {
  const where = 'POST /send';
  const top = object(body, where, '(body)');
  if (Array.isArray(top.faxes)) {
    return top.faxes.map((entry, i) => queuedFax(object(entry, where, `faxes.${i}`), where, `faxes.${i}.`));
  }
  if (top.faxes !== undefined) fail(where, 'faxes', 'is not an array');
  return [queuedFax(top, where, '')];
}

export function parseFaxRecord(obj: Json, where: string, prefix: string): FaxRecord {
  const status = obj.status;
  if (typeof status !== 'boolean' && status !== 0 && status !== 1) {
    fail(where, `${prefix}status`, 'is missing or not a boolean');
  }
  const createdAt = string(obj, 'created_at', where, prefix);
  return {
    id: string(obj, 'id', where, prefix),
    number: string(obj, 'number', where, prefix),
    sentAt: nullable(obj, 'sent_at', () => count(obj, 'sent_at', where, prefix)),
    sentAtTimezone: nullable(obj, 'sent_at_timezone', () => string(obj, 'sent_at_timezone', where, prefix)),
    status: status === true || status === 1,
    error: nullable(obj, 'error', () => string(obj, 'error', where, prefix)),
    price: nullable(obj, 'price', () => decimal(obj, 'price', where, prefix)),
    pages: count(obj, 'pages', where, prefix),
    pagesSent: nullable(obj, 'pages_sent', () => count(obj, 'pages_sent', where, prefix)),
    createdAt,
    updatedAt: nullable(obj, 'updated_at', () => string(obj, 'updated_at', where, prefix)) ?? createdAt,
  };
}

export interface ParsedFaxList {
  faxes: FaxRecord[];
  currentPage: number | null;
  lastPage: number | null;
  nextUrl: string | null;
}

/** A Laravel paginator page: `data`, `links.next`, `meta.current_page`/`last_page`. */
export function parseFaxList(body: unknown): ParsedFaxList {
  const where = 'GET /faxes';
  const top = object(body, where, '(body)');
  if (!Array.isArray(top.data)) fail(where, 'data', 'is missing or not an array');
  const faxes = top.data.map((entry, i) =>
    parseFaxRecord(object(entry, where, `data.${i}`), where, `data.${i}.`),
  );
  const links = typeof top.links === 'object' && top.links !== null ? (top.links as Json) : {};
  const meta = typeof top.meta === 'object' && top.meta !== null ? (top.meta as Json) : {};
  const next = links.next;
  return {
    faxes,
    currentPage: nullable(meta, 'current_page', () => count(meta, 'current_page', where, 'meta.')),
    lastPage: nullable(meta, 'last_page', () => count(meta, 'last_page', where, 'meta.')),
    nextUrl: typeof next === 'string' && next !== '' ? next : null,
  };
}

export function parseUser(body: unknown): FaxrocksUser {
  const where = 'GET /user';
  const top = object(body, where, '(body)');
  const id = top.id;
  if (typeof id !== 'number' || !Number.isInteger(id)) fail(where, 'id', 'is missing or not an integer');
  return { ...top, id, name: string(top, 'name', where), email: string(top, 'email', where) };
}
