// The sandbox's account: the faxes it has accepted, their documents, and where each fax stands.
// Status is computed lazily from the clock (pending until `deliveryDelayMs` after the fax's start,
// then final according to the number's fate), so tests move time instead of waiting for it.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fateOf } from './test-numbers.ts';

/** What the sandbox keeps about a fax; everything else is derived. */
export interface StoredFax {
  id: string;
  number: string;
  pages: number;
  /** Epoch milliseconds. */
  createdAtMs: number;
  /** Epoch milliseconds from which delivery starts (scheduled_at, or creation). */
  startAtMs: number;
  timezone: string;
  /** Set by seeding to fix the outcome instead of deriving it from the number. */
  fixed?: { status: 'pending' | 'delivered' | 'failed'; error?: string; pagesSent?: number };
  /** False for seeded faxes: their document is generated on request. */
  hasDocument: boolean;
  /** Faxes to the same number stored before this one (test numbers that fail only at first). */
  sequence?: number;
}

/** A fax as `GET /faxes` shows it (the provider's snake_case shape). */
export interface FaxView {
  id: string;
  number: string;
  sent_at: number | null;
  sent_at_timezone: string;
  status: boolean;
  error: string | null;
  price: string | null;
  pages: number;
  pages_sent: number;
  created_at: string;
  updated_at: string;
}

/** Laravel's timestamp format: microseconds and Z. */
export function laravelTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function priceOf(pages: number, pricePerPage: number): number {
  return Math.round(pages * pricePerPage * 100) / 100;
}

export function viewOf(
  fax: StoredFax,
  nowMs: number,
  deliveryDelayMs: number,
  pricePerPage: number,
): FaxView {
  const finalAtMs = fax.startAtMs + deliveryDelayMs;
  const base = {
    id: fax.id,
    number: fax.number,
    sent_at_timezone: fax.timezone,
    pages: fax.pages,
    created_at: laravelTimestamp(fax.createdAtMs),
  };
  const pending: FaxView = {
    ...base,
    sent_at: null,
    status: false,
    error: null,
    price: null,
    pages_sent: 0,
    updated_at: base.created_at,
  };
  const delivered = (): FaxView => ({
    ...base,
    sent_at: Math.floor(finalAtMs / 1000),
    status: true,
    error: null,
    price: priceOf(fax.pages, pricePerPage).toFixed(2),
    pages_sent: fax.pages,
    updated_at: laravelTimestamp(finalAtMs),
  });
  const failed = (error: string, pagesSent: number): FaxView => ({
    ...base,
    sent_at: pagesSent > 0 ? Math.floor(finalAtMs / 1000) : null,
    status: false,
    error,
    price: priceOf(pagesSent, pricePerPage).toFixed(2),
    pages_sent: pagesSent,
    updated_at: laravelTimestamp(finalAtMs),
  });

  if (fax.fixed) {
    if (fax.fixed.status === 'pending') return pending;
    if (fax.fixed.status === 'delivered') return delivered();
    return failed(fax.fixed.error ?? 'Failed', fax.fixed.pagesSent ?? 0);
  }
  const fate = fateOf(fax.number, fax.sequence ?? 0);
  if (fate.kind === 'pending-forever' || nowMs < finalAtMs) return pending;
  if (fate.kind === 'delivered') return delivered();
  return failed(fate.error, fate.sendsAllButLastPage ? Math.max(0, fax.pages - 1) : 0);
}

export function isFinal(view: FaxView): boolean {
  return view.status || view.error !== null;
}

/** Lowercase alphanumeric like the provider's `656081f85ab27167270`: epoch seconds in hex, then random. */
function newFaxId(createdAtMs: number): string {
  const seconds = Math.floor(createdAtMs / 1000)
    .toString(16)
    .padStart(8, '0');
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(11);
  let tail = '';
  for (const byte of bytes) tail += alphabet[byte % alphabet.length];
  return seconds + tail;
}

export class SandboxFaxStore {
  private readonly faxes = new Map<string, StoredFax>();
  private readonly documents = new Map<string, Uint8Array>();
  private sorted: StoredFax[] | undefined;
  private writes: Promise<void> = Promise.resolve();
  private writeCount = 0;
  /** Faxes stored per number, for `sequence`. */
  private readonly perNumber = new Map<string, number>();

  /** With a data directory, metadata lives in `faxes.json` (written atomically) and PDFs in `documents/`. */
  constructor(private readonly dataDir?: string) {
    if (!dataDir) return;
    mkdirSync(join(dataDir, 'documents'), { recursive: true });
    let text: string | undefined;
    try {
      text = readFileSync(this.metadataPath(), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) {
      for (const fax of JSON.parse(text) as StoredFax[]) {
        this.faxes.set(fax.id, fax);
        this.perNumber.set(fax.number, this.sentTo(fax.number) + 1);
      }
    }
  }

  private sentTo(number: string): number {
    return this.perNumber.get(number) ?? 0;
  }

  get size(): number {
    return this.faxes.size;
  }

  get(id: string): StoredFax | undefined {
    return this.faxes.get(id);
  }

  /** Adds faxes; the document (when given) is stored before the metadata names it. */
  async add(
    entries: Array<
      Omit<StoredFax, 'id' | 'hasDocument' | 'sequence'> & { id?: string; document?: Uint8Array }
    >,
  ): Promise<StoredFax[]> {
    const added: StoredFax[] = [];
    for (const { document, id, ...rest } of entries) {
      let faxId = id ?? newFaxId(rest.createdAtMs);
      while (!id && this.faxes.has(faxId)) faxId = newFaxId(rest.createdAtMs);
      const sequence = this.sentTo(rest.number);
      this.perNumber.set(rest.number, sequence + 1);
      const fax: StoredFax = { ...rest, id: faxId, hasDocument: document !== undefined, sequence };
      if (document) {
        if (this.dataDir) {
          const path = this.documentPath(faxId);
          await writeFile(`${path}.tmp`, document);
          await rename(`${path}.tmp`, path);
        } else {
          this.documents.set(faxId, document);
        }
      }
      this.faxes.set(faxId, fax);
      added.push(fax);
    }
    this.sorted = undefined;
    await this.persist();
    return added;
  }

  async document(fax: StoredFax): Promise<Uint8Array | undefined> {
    if (!fax.hasDocument) return undefined;
    if (!this.dataDir) return this.documents.get(fax.id);
    return new Uint8Array(await readFile(this.documentPath(fax.id)));
  }

  /** Newest first by created_at, then id (or the reverse, to imitate a provider with another order). */
  list(order: 'newest-first' | 'oldest-first'): StoredFax[] {
    if (!this.sorted) {
      this.sorted = [...this.faxes.values()].sort((a, b) =>
        a.createdAtMs !== b.createdAtMs
          ? b.createdAtMs - a.createdAtMs
          : a.id < b.id
            ? 1
            : a.id > b.id
              ? -1
              : 0,
      );
    }
    return order === 'newest-first' ? this.sorted : [...this.sorted].reverse();
  }

  /** Waits for pending writes (close() calls it so a restart sees everything). */
  async flush(): Promise<void> {
    await this.writes;
  }

  private persist(): Promise<void> {
    const dataDir = this.dataDir;
    if (!dataDir) return Promise.resolve();
    // Writes are chained so an older snapshot can never overwrite a newer one.
    const next = this.writes.then(() => {
      const path = this.metadataPath();
      const temporary = `${path}.${process.pid}.${++this.writeCount}.tmp`;
      writeFileSync(temporary, JSON.stringify([...this.faxes.values()]));
      renameSync(temporary, path);
    });
    this.writes = next.catch(() => undefined);
    return next;
  }

  private metadataPath(): string {
    return join(this.dataDir ?? '.', 'faxes.json');
  }

  private documentPath(id: string): string {
    return join(this.dataDir ?? '.', 'documents', `${id}.pdf`);
  }
}
