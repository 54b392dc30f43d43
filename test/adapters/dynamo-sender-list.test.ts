import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSenderList } from '../../functions/adapters/dynamo-sender-list.ts';
import { InvalidSenderEntryError, normaliseSenderEntry } from '../../functions/domain/sender-policy.ts';
import { type DynamoFixture, startDynamoFixture } from '../support/stand-ins.ts';

const by = { addedBy: 'admin@ops.example', addedAt: '2026-11-27T06:00:00.000Z' };

describe('DynamoSenderList', () => {
  let dynamo: DynamoFixture;
  let senders: DynamoSenderList;

  beforeAll(async () => {
    dynamo = await startDynamoFixture({ sendersTable: 'senders-under-test' });
    // A plain document client: the adapter must not rely on removeUndefinedValues.
    senders = new DynamoSenderList(DynamoDBDocumentClient.from(dynamo.client), dynamo.sendersTable);
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('matches an exact address case-insensitively, and nothing else at that domain', async () => {
    expect(await senders.add({ entry: normaliseSenderEntry('Alice@Example.com'), ...by })).toBe('added');
    expect(await senders.isAllowed('alice@example.com')).toBe(true);
    expect(await senders.isAllowed('ALICE@EXAMPLE.COM')).toBe(true);
    expect(await senders.isAllowed('bob@example.com')).toBe(false);
    expect(await senders.isAllowed('alice@example.org')).toBe(false);
  });

  it('matches a whole domain case-insensitively, but not its subdomains or look-alikes', async () => {
    expect(
      await senders.add({ entry: normaliseSenderEntry('@Corp.Example'), ...by, note: 'whole office' }),
    ).toBe('added');
    expect(await senders.isAllowed('anyone@corp.example')).toBe(true);
    expect(await senders.isAllowed('Someone.Else@CORP.EXAMPLE')).toBe(true);
    expect(await senders.isAllowed('x@sub.corp.example')).toBe(false);
    expect(await senders.isAllowed('x@evilcorp.example')).toBe(false);
  });

  it('allows any address at an allowed domain, in any case, and none at another', async () => {
    await senders.add({ entry: '@prop.example', ...by });
    await fc.assert(
      fc.asyncProperty(fc.emailAddress(), fc.boolean(), async (address, upper) => {
        const local = address.slice(0, address.lastIndexOf('@'));
        const atDomain = `${local}@${upper ? 'PROP.Example' : 'prop.example'}`;
        return (await senders.isAllowed(atDomain)) && !(await senders.isAllowed(`${local}@prop.example.org`));
      }),
      { numRuns: 40 },
    );
    await senders.remove('@prop.example');
  });

  it('never allows what is not an address', async () => {
    expect(await senders.isAllowed('@corp.example')).toBe(false);
    expect(await senders.isAllowed('not an address')).toBe(false);
    expect(await senders.isAllowed('')).toBe(false);
  });

  it('answers for addresses past DynamoDB’s 2,048-byte key limit without asking with such a key', async () => {
    // A From of kilobytes at an allowed domain: not allowed, and no ValidationException (which the
    // queue would retry into the dead letters).
    await senders.add({ entry: '@long.example', ...by });
    for (const address of [
      `${'a'.repeat(3_000)}@long.example`,
      `"${'a,'.repeat(1_500)}"@long.example`,
      `alice@${'sub.'.repeat(600)}long.example`,
    ]) {
      expect(await senders.isAllowed(address)).toBe(false);
    }
    await senders.remove('@long.example');
  });

  it('reports exists for a second add and keeps the first', async () => {
    await senders.add({ entry: 'carol@example.net', ...by, note: 'first' });
    expect(
      await senders.add({
        entry: normaliseSenderEntry('CAROL@example.net'),
        addedBy: 'other',
        addedAt: by.addedAt,
        note: 'second',
      }),
    ).toBe('exists');
    const carol = (await senders.list()).find((e) => e.entry === 'carol@example.net');
    expect(carol).toEqual({ entry: 'carol@example.net', ...by, note: 'first' });
  });

  it('removes an entry once and reports missing after', async () => {
    await senders.add({ entry: 'dave@example.net', ...by, note: undefined });
    expect(await senders.isAllowed('dave@example.net')).toBe(true);
    expect(await senders.remove(normaliseSenderEntry('Dave@Example.NET'))).toBe('removed');
    expect(await senders.remove('dave@example.net')).toBe('missing');
    expect(await senders.isAllowed('dave@example.net')).toBe(false);
  });

  it('refuses to store an invalid entry, or one not in the stored form, rather than rewrite it', async () => {
    await expect(senders.add({ entry: 'not-an-address', ...by })).rejects.toBeInstanceOf(
      InvalidSenderEntryError,
    );
    await expect(senders.add({ entry: 'Erin@example.net', ...by })).rejects.toBeInstanceOf(
      InvalidSenderEntryError,
    );
    await expect(senders.add({ entry: 'erin@example.net/evil', ...by })).rejects.toBeInstanceOf(
      InvalidSenderEntryError,
    );
    await expect(senders.remove('nope')).rejects.toBeInstanceOf(InvalidSenderEntryError);
    expect((await senders.list()).map((e) => e.entry)).not.toContain('erin@example.net');
  });

  it('lists every entry grouped by domain, the domain entry first', async () => {
    const entries = (await senders.list()).map((e) => e.entry);
    expect(entries).toEqual(['@corp.example', 'alice@example.com', 'carol@example.net']);
    const corp = (await senders.list())[0];
    expect(corp).toEqual({ entry: '@corp.example', ...by, note: 'whole office' });
  });
});
