// Between polls every open job usually holds its fax already: then /faxes is read only until each
// of those faxes has been seen, not back to the oldest job's send time.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoFixture, startDynamoFixture } from '../support/stand-ins.ts';
import { createWorld, MINUTE, T0, type World } from './world.ts';

const BERLIN = '+4930123456';

let dynamo: DynamoFixture;
const worlds: World[] = [];

beforeAll(async () => {
  dynamo = await startDynamoFixture();
});

afterAll(async () => {
  for (const w of worlds) await w.close();
  await dynamo.close();
});

describe('pollFaxStatuses between polls', () => {
  it('reads one page when it holds every open job fax, and back to the oldest send while one seeks its fax', async () => {
    const w = await createWorld(dynamo, {
      policy: { pageSize: 5 },
      sandbox: { deliveryDelayMs: 60 * MINUTE },
    });
    worlds.push(w);
    await w.sandbox.seedFaxes(
      Array.from({ length: 10 }, (_, i) => ({
        number: BERLIN,
        createdAt: new Date(T0 - (i + 1) * 86_400_000),
      })),
    );
    for (const m of ['s1', 's2', 's3', 's4', 's5']) {
      await w.sendJob(`ses-${m}`, BERLIN, 1);
      w.advance(1_000);
    }

    // First poll: the jobs seek their faxes, so the listing is read past the oldest send.
    expect(await w.poll()).toMatchObject({ pagesRead: 2, matched: 5 });

    // Next poll: all five faxes are on the first page; nothing is left to look for.
    w.advance(MINUTE);
    w.sandbox.stats.reset();
    expect(await w.poll()).toMatchObject({ pagesRead: 1, matched: 0 });
    expect(w.faxesRequests()).toBe(1);

    // A new job without its fax: back to reading past the oldest send.
    await w.sendJob('ses-s6', BERLIN, 1);
    w.sandbox.stats.reset();
    expect(await w.poll()).toMatchObject({ pagesRead: 2, matched: 1 });
    const jobs = await Promise.all(['s1', 's6'].map((m) => w.job(`ses-${m}`, BERLIN)));
    expect(jobs.every((job) => job.faxId)).toBe(true);
  });
});
