// `faxgate usage [--day D] [--month M]`: pages, faxes and cost per sender and in total, from the
// mail history (one index query per day), against the configured cost guards and the guards' own
// daily counters.

import { DynamoDailyUsage } from '../functions/adapters/dynamo-daily-usage.ts';
import { type CliContext, exitCodes, textTable } from './context.ts';
import { JobHistory } from './job-history.ts';
import { type Target, UsageError, unreachableMessage } from './target.ts';

interface SenderUsage {
  sender: string;
  mails: number;
  faxes: number;
  pages: number;
  cost: number;
}

function daysOf(values: { day?: string; month?: string }, now: Date): { label: string; days: string[] } {
  if (values.day && values.month) throw new UsageError('Give --day or --month, not both.');
  if (values.month) {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(values.month)) {
      throw new UsageError(`--month takes a month such as 2026-12, not "${values.month}".`);
    }
    const [year, month] = values.month.split('-').map(Number) as [number, number];
    const count = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const days = Array.from({ length: count }, (_, i) => `${values.month}-${String(i + 1).padStart(2, '0')}`);
    return { label: values.month, days: days.reverse() };
  }
  const day = values.day ?? now.toISOString().slice(0, 10);
  if (!/^\d{4}-\d\d-\d\d$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw new UsageError(`--day takes a date such as 2026-12-01, not "${day}".`);
  }
  return { label: day, days: [day] };
}

async function guardsOf(target: Target): Promise<{ senderDailyPageLimit: number; dailyCostCeiling: number }> {
  if (target.place.kind === 'local') {
    const { policy } = target.place.config;
    return { senderDailyPageLimit: policy.senderDailyPageLimit, dailyCostCeiling: policy.dailyCostCeiling };
  }
  return {
    senderDailyPageLimit: Number((await target.output('SenderDailyPageLimit')) ?? 0),
    dailyCostCeiling: Number((await target.output('DailyCostCeiling')) ?? 0),
  };
}

export async function runUsage(
  context: CliContext,
  values: { day?: string; month?: string; json?: boolean },
): Promise<number> {
  const { io } = context;
  const { label, days } = daysOf(values, new Date());
  return context.withTarget(async (target) => {
    try {
      const table = await target.jobsTable();
      const history = new JobHistory(target.documents(), table);
      const mails = await history.list({ days, limit: 1_000_000 });
      const bySender = new Map<string, SenderUsage>();
      for (const { mail, jobs } of mails) {
        const sender = mail.sender ?? '(untrusted)';
        const usage = bySender.get(sender) ?? { sender, mails: 0, faxes: 0, pages: 0, cost: 0 };
        usage.mails += 1;
        for (const job of jobs) {
          // A fax faxrocks never took (refused at /send) costs nothing and sends nothing.
          if (job.state === 'FAILED' && !job.faxId && !job.queuedAt) continue;
          usage.faxes += 1;
          usage.pages += job.pagesSent ?? job.pages ?? 0;
          const charged = job.price !== undefined ? Number(job.price) : (job.estimatedCost ?? 0);
          usage.cost += Number.isNaN(charged) ? 0 : charged;
        }
        bySender.set(sender, usage);
      }
      const rows = [...bySender.values()].sort(
        (a, b) => b.pages - a.pages || a.sender.localeCompare(b.sender),
      );
      const total: SenderUsage = { sender: 'TOTAL', mails: 0, faxes: 0, pages: 0, cost: 0 };
      for (const r of rows) {
        total.mails += r.mails;
        total.faxes += r.faxes;
        total.pages += r.pages;
        total.cost += r.cost;
      }
      const guards = await guardsOf(target);
      const counters = new DynamoDailyUsage(target.documents(), table);
      const countedCost = days.length === 1 ? await counters.gatewayCost(days[0] as string) : undefined;
      if (values.json) {
        io.out(JSON.stringify({ period: label, senders: rows, total, guards, countedCost }, null, 2));
        return exitCodes.ok;
      }
      io.out(
        `Usage ${days.length === 1 ? 'on' : 'in'} ${label} (UTC): pages and cost as charged, else as estimated`,
      );
      io.out(
        textTable(
          ['SENDER', 'MAILS', 'FAXES', 'PAGES', 'COST'],
          [...rows, total].map((r) => [
            r.sender,
            String(r.mails),
            String(r.faxes),
            String(r.pages),
            r.cost.toFixed(2),
          ]),
        ),
      );
      const pageGuard =
        guards.senderDailyPageLimit > 0
          ? `daily page limit per sender ${guards.senderDailyPageLimit}${
              days.length === 1 ? ` (highest today: ${Math.max(0, ...rows.map((r) => r.pages))})` : ''
            }`
          : 'no daily page limit per sender (SENDER_DAILY_PAGE_LIMIT)';
      const costGuard =
        guards.dailyCostCeiling > 0
          ? `daily cost ceiling ${guards.dailyCostCeiling.toFixed(2)}${
              countedCost !== undefined ? ` (${countedCost.toFixed(2)} counted against it)` : ''
            }`
          : 'no daily cost ceiling (DAILY_COST_CEILING)';
      io.out(`Guards: ${pageGuard}; ${costGuard}.`);
      return exitCodes.ok;
    } catch (error) {
      io.err(unreachableMessage(error, target, 'jobs table'));
      return exitCodes.unreachable;
    }
  });
}
