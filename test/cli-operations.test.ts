// The admin commands against npm start's own stand-ins (dynalite, s3rver, the local queue and
// dead-letter folder, the faxrocks sandbox), started on free ports in this process: mail goes in
// over SMTP, the CLI reads and acts through the same environment variables an admin would set.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../cli/main.ts';
import { jobReference } from '../functions/domain/job-reference.ts';
import { NO_REDIAL } from '../functions/domain/redial-policy.ts';
import { handleInboundBatch } from '../functions/inbound/inbound-batch.ts';
import type { LocalGateway } from '../local/runtime.ts';
import { testFaxPdf } from '../local/test-fax-pdf.ts';
import { expectInOrder, runFaxgate } from './support/cli.ts';
import { eventually } from './support/eventually.ts';
import { cliEnvOf, mailTo, sesIdOfResponse, startTestGateway } from './support/local-gateway.ts';

const sender = 'alice@example.com';
const delivered = '+493012345600';
const busy = '+493012345601';

describe('faxgate CLI against npm start', () => {
  let gateway: LocalGateway;
  let env: Record<string, string>;

  beforeAll(async () => {
    gateway = await startTestGateway({
      dirPrefix: 'faxgate-cli-ops-',
      queue: { maxReceiveCount: 2, visibilityTimeoutMs: 0 },
      // The queue's receive count was changed behind the function's back (INBOUND_MAX_RECEIVE_COUNT
      // unset): its receives run out before the give-up time, so a failing mail is dead-lettered
      // with its cause instead of given up on its last receive.
      inboundHandler: (event, deps) => handleInboundBatch(event, { ...deps, maxReceiveCount: undefined }),
      // The busy number ends FAILED at its first attempt here: this test reads the history, not re-dials.
      pollerPolicy: { redial: NO_REDIAL },
    });
    env = { ...cliEnvOf(gateway), USER: 'ops' };
  });
  afterAll(async () => {
    await gateway.close();
  });

  const cli = (...argv: string[]) => runFaxgate(argv, env);

  async function mail(to: string[], originalId: string): Promise<string> {
    const info = await mailTo(gateway, {
      from: `Alice <${sender}>`,
      to: to.map((n) => `${n}@fax.localhost`),
      subject: 'Contract',
      text: 'Please fax this.',
      messageId: originalId,
      attachments: [{ filename: 'contract.pdf', content: Buffer.from(await testFaxPdf()) }],
    });
    return sesIdOfResponse(info);
  }

  async function decided(sesId: string) {
    return eventually(async () => {
      const record = await gateway.deps.ledger.getMail(sesId);
      return record && record.outcome !== 'RECEIVED' && record.repliedAt ? record : undefined;
    }, `mail ${sesId} decided`);
  }

  it('lists and shows jobs: reference, sender, numbers, outcome, pages, cost, and the whole timeline', async () => {
    expect((await cli('senders', 'add', sender, '--local')).code).toBe(0);
    const sesId = await mail([delivered, busy], '<two-numbers@example.com>');
    await decided(sesId);
    await gateway.pollNow();
    await eventually(async () => {
      const jobs = await gateway.deps.ledger.listJobs(sesId);
      return jobs.every((j) => j.notifiedAt) ? jobs : undefined;
    }, 'both outcomes mailed');
    const rejectedId = await mail(['0301234'], '<bad-number@example.com>');
    await decided(rejectedId);

    const list = await cli('jobs', 'list', '--local');
    expect(list.code).toBe(0);
    const lines = list.out.split('\n');
    expect(lines[0]).toMatch(/^RECEIVED\s+REFERENCE\s+SENDER\s+NUMBERS\s+OUTCOME\s+PAGES\s+COST$/);
    const ref = jobReference(sesId);
    // Newest first: the rejected mail came last.
    expect(lines[1]).toContain(jobReference(rejectedId));
    expect(lines[1]).toMatch(/REJECTED \(/);
    const accepted = lines.find((l) => l.includes(ref));
    expect(accepted).toMatch(
      new RegExp(
        `${ref}\\s+${sender}\\s+\\+493012345600,\\+493012345601\\s+1 DELIVERED, 1 FAILED\\s+1\\s+\\d+\\.\\d\\d$`,
      ),
    );

    const filtered = await cli('jobs', 'list', '--local', '--status', 'failed', '--json');
    expect(JSON.parse(filtered.out).map((m: { ref: string }) => m.ref)).toEqual([ref]);
    const byNumber = await cli('jobs', 'list', '--local', '--number', '4930 1234 5601');
    expect(byNumber.out).toContain(ref);
    expect(byNumber.out).not.toContain(jobReference(rejectedId));
    const bySender = await cli('jobs', 'list', '--local', '--sender', '@other.example');
    expect(bySender.out).toMatch(/^No mail since/);

    const show = await cli('jobs', 'show', ref.toLowerCase().replace(/-/g, ''), '--local');
    expect(show.code).toBe(0);
    expect(show.out).toContain(`SES message id  ${sesId}`);
    expect(show.out).toMatch(/received \(SES message id/);
    expect(show.out).toMatch(/trusted: alice@example\.com is authenticated and on the senders list/);
    expect(show.out).toMatch(/\+493012345600: POST \/send \(1 pages\)/);
    expect(show.out).toMatch(/\+493012345600: faxrocks queued it: 1 pages, estimated cost \d/);
    expect(show.out).toMatch(/\+493012345600: found as fax \S+ in \/faxes/);
    expect(show.out).toMatch(/\+493012345600: DELIVERED, 1 pages sent, price/);
    expect(show.out).toMatch(/\+493012345601: FAILED.*provider's error: Busy/);
    expect(show.out).toMatch(/reply sent to alice@example\.com: queued/);
    expect(show.out).toMatch(/\+493012345601: outcome email sent to alice@example\.com/);

    const byMessageId = await cli('jobs', 'show', sesId, '--local', '--json');
    expect(JSON.parse(byMessageId.out)[0]).toMatchObject({ ref, mail: { messageId: sesId, sender } });
    const byNumberShow = await cli('jobs', 'show', '+49 30 12345601', '--local');
    expect(byNumberShow.out).toContain(ref);

    const missing = await cli('jobs', 'show', 'FG-0000-0000', '--local');
    expect(missing.code).toBe(exitCodes.notDone);
    expect(missing.err).toMatch(/^No mail found for "FG-0000-0000"/);
  });

  it('reports usage per sender and in total against the guards', async () => {
    const usage = await cli('usage', '--local');
    expect(usage.code).toBe(0);
    expect(usage.out).toMatch(/alice@example\.com\s+2\s+2\s+\d+\s+\d+\.\d\d/);
    expect(usage.out).toMatch(/TOTAL\s+2\s+2/);
    expect(usage.out).toMatch(/Guards: .*daily cost ceiling/);
    const json = JSON.parse(
      (await cli('usage', '--local', '--month', new Date().toISOString().slice(0, 7), '--json')).out,
    );
    expect(json.total).toMatchObject({ mails: 2, faxes: 2 });
    expect((await cli('usage', '--local', '--day', 'yesterday')).code).toBe(exitCodes.usage);
  });

  it('lists, shows and redrives a dead-lettered mail; jobs show then holds every step', async () => {
    const sandbox = gateway.sandbox;
    if (!sandbox) throw new Error('the sandbox runs');
    // Eleven numbers: the first ten go out in one /send (held back a moment), then faxrocks
    // throttles the eleventh on both receives, and the queue's receives run out before the give-up
    // time: it is dead-lettered, with the cause.
    const firstTen = Array.from({ length: 10 }, (_, i) => `+4930123456${String(20 + i)}`);
    sandbox.faults.slowMs = 500;
    const sending = mail([...firstTen, '+493012345610'], '<dead-letter@example.com>');
    await eventually(
      () => (firstTen.every((n) => sandbox.faxes().some((f) => f.number === n)) ? true : undefined),
      'the first ten faxes',
    );
    sandbox.faults.rateLimit = { count: 2, retryAfterSeconds: 0 };
    sandbox.faults.slowMs = 0;
    const sesId = await sending;
    const letter = await eventually(async () => {
      const letters = await gateway.queue.deadLetters();
      return letters.find((l) => JSON.stringify(l.body).includes(sesId));
    }, 'the dead letter');

    const list = await cli('dead-letters', 'list', '--local');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(
      new RegExp(`${letter.messageId}\\s+${sesId}\\s+2\\s+faxrocks answered 429 \\(too many requests\\)`),
    );

    const show = await cli('dead-letters', 'show', sesId, '--local');
    expect(show.out).toMatch(/cause {2}faxrocks answered 429 \(too many requests\) for \d+ seconds/);
    expect(show.out).toContain(jobReference(sesId));

    const redrive = await cli('dead-letters', 'redrive', letter.messageId, '--local');
    expect(redrive).toMatchObject({ code: 0, err: '' });
    expect(redrive.out).toMatch(/^Redriven: .* processed again \(ACCEPTED\); the dead letter is removed\.$/);
    expect(await gateway.queue.deadLetters()).toEqual([]);
    expect(sandbox.faxes().filter((f) => f.number === '+493012345610')).toHaveLength(1);
    expect((await cli('dead-letters', 'list', '--local')).out).toBe('No dead letters.');

    await gateway.pollNow();
    const timeline = (await cli('jobs', 'show', jobReference(sesId), '--local')).out;
    const steps = [
      /received/,
      /processing failed \(receive 1\), the queue retries it: faxrocks answered 429/,
      /processing failed \(receive 2\)/,
      /dead-lettered: faxrocks answered 429/,
      /redriven from the dead-letter queue/,
      /POST \/send/,
      /faxrocks queued it/,
      /DELIVERED/,
    ];
    expectInOrder(timeline, steps);

    expect((await cli('dead-letters', 'redrive', letter.messageId, '--local')).code).toBe(exitCodes.notDone);
    expect((await cli('dead-letters', 'purge', '--local')).code).toBe(exitCodes.usage);
    expect(await cli('dead-letters', 'purge', '--local', '--yes')).toMatchObject({
      code: 0,
      out: 'Deleted 0 dead letters.',
    });
  });
});
