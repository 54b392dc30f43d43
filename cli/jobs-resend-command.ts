// `faxgate jobs resend REF [--number N]`: sends a failed or unknown number of a mail again as a new
// attempt, after showing what was sent already and what will be sent. The send itself is the
// resend use case (functions/delivery/resend-job.ts): in this process against npm start's
// stand-ins, or on AWS by invoking the status poller function, so the deployed configuration,
// token, cost guards and destination rules decide. The poller then follows the new attempt and
// reports it to the sender.

import type { ResendRequest, ResendResult } from '../functions/delivery/resend-job.ts';
import { attemptOf, type FaxJob } from '../functions/domain/fax-job.ts';
import { jobReference } from '../functions/domain/job-reference.ts';
import type { Log } from '../functions/ports.ts';
import { type CliContext, exitCodes } from './context.ts';
import {
  asFaxNumber,
  attemptViews,
  daysBetween,
  describeAttempt,
  JobHistory,
  type MailHistory,
  outcomeOf,
} from './job-history.ts';
import { parseSince } from './jobs-command.ts';
import { localResendDeps } from './local-deps.ts';
import { invokeStackFunction } from './stack-function.ts';
import { type Target, UnreachableError, unreachableMessage } from './target.ts';

export interface ResendValues {
  number?: string;
  since?: string;
  yes?: boolean;
}

const RESENDABLE = new Set(['FAILED', 'UNKNOWN']);

function sum(values: (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0);
}

/** What was sent to one number: its attempts, pages and cost. */
function sentLines(job: FaxJob): string[] {
  const views = attemptViews(job);
  const pages = sum(views.map((v) => v.pagesSent));
  const price = sum(views.map((v) => (v.price === undefined ? undefined : Number(v.price))));
  const cost =
    price !== undefined
      ? `price ${price.toFixed(2)}`
      : job.estimatedCost !== undefined
        ? `estimated cost ${job.estimatedCost.toFixed(2)}`
        : 'no price yet';
  return [
    `  ${job.number.padEnd(16)}${job.state}, ${views.length} attempt${views.length === 1 ? '' : 's'}, ${pages ?? 0} of ${job.pages} pages sent, ${cost}`,
    ...views.map((v) => `    ${v.startedAt.replace(/\.\d+Z$/, 'Z')}  ${describeAttempt(v)}`),
  ];
}

function resolveLocalPrice(target: Target): number | undefined {
  return target.place.kind === 'local' ? target.place.config.policy.estimatedPricePerPage : undefined;
}

function willSendLine(job: FaxJob, pricePerPage: number | undefined): string {
  const estimate =
    job.estimatedCost !== undefined
      ? `, estimated cost ${job.estimatedCost.toFixed(2)} (faxrocks' last estimate)`
      : pricePerPage !== undefined
        ? `, estimated cost ${(job.pages * pricePerPage).toFixed(2)}`
        : '';
  const warning =
    job.state === 'UNKNOWN'
      ? ' (its last attempt ended UNKNOWN: it may have been faxed, and would then arrive twice)'
      : '';
  return `  ${job.number.padEnd(16)}attempt ${attemptOf(job) + 1}, ${job.pages} pages${estimate}${warning}`;
}

/** The use case's log lines stay out of the command's answer, which says what happened. */
function quietLog(): Log {
  return { debug() {}, info() {}, warn() {}, error() {} };
}

async function resend(target: Target, request: ResendRequest): Promise<ResendResult> {
  if (target.place.kind === 'local') {
    const local = localResendDeps(target.place, (s) => target.clientConfig(s), quietLog());
    try {
      const { resendJob } = await import('../functions/delivery/resend-job.ts');
      return await resendJob(local.deps, request);
    } finally {
      local.close();
    }
  }
  const answer = await invokeStackFunction(target, 'StatusPollerFunctionName', () => ({
    faxgateResend: request,
  }));
  if (answer.functionError) {
    throw new UnreachableError(
      `The status poller function failed (${answer.functionError}): ${answer.payload.slice(0, 500)}`,
    );
  }
  const parsed = answer.payload ? (JSON.parse(answer.payload) as { resend?: ResendResult }) : {};
  if (!parsed.resend) {
    throw new UnreachableError(
      'The status poller function did not answer the resend: deploy this version of faxgate.',
    );
  }
  return parsed.resend;
}

function resultLine(number: string, result: ResendResult): string {
  switch (result.status) {
    case 'queued':
      return `${number}: sent as attempt ${result.attempt}, faxrocks queued it (${result.pages} pages${result.estimatedCost !== undefined ? `, estimated cost ${result.estimatedCost.toFixed(2)}` : ''}); the poller follows it and the sender gets its report.`;
    case 'unconfirmed':
      return `${number}: sent as attempt ${result.attempt}, but faxrocks' answer was lost (${result.reason}); the poller settles it from /faxes.`;
    case 'provider-refused':
      return `${number}: faxrocks refused attempt ${result.attempt}: ${result.reason}; the sender gets the report.`;
    case 'deferred':
      return `${number}: faxrocks did not take attempt ${result.attempt} (${result.reason}); the poller sends it from ${result.dueAt}.`;
    case 'refused':
      return `${number}: not resent: ${result.reason}.`;
  }
}

export async function runJobsResend(
  context: CliContext,
  what: string,
  values: ResendValues,
): Promise<number> {
  const { io } = context;
  const now = new Date();
  const since = parseSince(values.since ?? '30d', now);
  let wanted: string | undefined;
  if (values.number !== undefined) {
    wanted = asFaxNumber(values.number);
    if (!wanted) {
      io.err(`--number takes a fax number such as +4930123456, not "${values.number}".`);
      return exitCodes.usage;
    }
  }
  return context.withTarget(async (target) => {
    let history: MailHistory | undefined;
    try {
      [history] = await new JobHistory(target.documents(), await target.jobsTable()).find(
        what,
        daysBetween(since, now),
      );
    } catch (error) {
      io.err(unreachableMessage(error, target, 'jobs table'));
      return exitCodes.unreachable;
    }
    if (!history) {
      io.err(
        `No mail found for "${what}" (a reference such as FG-ABCD-1234, an SES message id, or a number faxed since ${since.toISOString().slice(0, 10)}): nothing sent.`,
      );
      return exitCodes.usage;
    }
    const ref = history.mail.ref ?? jobReference(history.mail.messageId);
    // A mail found by one of its numbers: that number is the one to resend.
    const named = asFaxNumber(what);
    if (!wanted && named && history.jobs.some((j) => j.number === named)) wanted = named;
    let chosen: FaxJob[];
    if (wanted) {
      const job = history.jobs.find((j) => j.number === wanted);
      if (!job) {
        io.err(
          `${ref} has no fax to ${wanted} (its numbers: ${history.jobs.map((j) => j.number).join(', ') || 'none'}): nothing sent.`,
        );
        return exitCodes.usage;
      }
      if (!RESENDABLE.has(job.state)) {
        io.err(
          job.state === 'DELIVERED'
            ? `${wanted} of ${ref} was delivered; it is not sent twice: nothing sent.`
            : `${wanted} of ${ref} is still in progress (${job.state}); the poller follows it: nothing sent.`,
        );
        return exitCodes.usage;
      }
      chosen = [job];
    } else {
      chosen = history.jobs.filter((j) => RESENDABLE.has(j.state));
      if (chosen.length === 0) {
        io.err(
          `${ref} has no failed or unknown number to resend (${history.jobs.map((j) => `${j.number} ${j.state}`).join(', ') || `mail ${history.mail.outcome}, no fax`}): nothing sent.`,
        );
        return exitCodes.usage;
      }
    }

    const pricePerPage = resolveLocalPrice(target);
    io.out(
      [
        `${ref}  ${outcomeOf(history)}  from ${history.mail.sender ?? '?'}, received ${history.mail.receivedAt.replace(/\.\d+Z$/, 'Z')}${history.mail.subject ? `, ${JSON.stringify(history.mail.subject)}` : ''}`,
        'Already sent:',
        ...history.jobs.flatMap(sentLines),
        'Will send (the cost guards and destination rules apply):',
        ...chosen.map((j) => willSendLine(j, pricePerPage)),
      ].join('\n'),
    );
    if (!values.yes) {
      if (!io.confirm) {
        io.err('Resending faxes again: add --yes to do it without asking.');
        return exitCodes.usage;
      }
      const count = chosen.length === 1 ? 'it' : `these ${chosen.length} numbers`;
      if (!(await io.confirm(`Send ${count} again? [y/N] `))) {
        io.err('Nothing sent.');
        return exitCodes.notDone;
      }
    }

    let code: number = exitCodes.ok;
    for (const job of chosen) {
      let result: ResendResult;
      try {
        result = await resend(target, {
          messageId: job.messageId,
          number: job.number,
          fromAttemptId: job.attemptId,
        });
      } catch (error) {
        io.err(unreachableMessage(error, target, 'status poller'));
        return exitCodes.unreachable;
      }
      if (result.status === 'refused') {
        io.err(resultLine(job.number, result));
        code = exitCodes.notDone;
      } else {
        io.out(resultLine(job.number, result));
      }
    }
    return code;
  });
}
