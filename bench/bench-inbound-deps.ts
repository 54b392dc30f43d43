// The inbound use case's dependencies for the bench children: in-memory stores (a Lambda does not
// host DynamoDB or S3, so a stand-in in the same process would count in the function's peak memory)
// and the real faxrocks client over a fetch that answers as faxrocks does.

import { FaxrocksClient, staticToken } from '../functions/adapters/faxrocks/client.ts';
import type { GatewayPolicy } from '../functions/config.ts';
import type { InboundDeps } from '../functions/handlers/inbound-deps.ts';
import { systemClock } from '../functions/ports.ts';
import { CountingMetrics, silentLog } from '../test/support/telemetry.ts';
import {
  CountingMailer,
  MemoryDailyUsage,
  MemoryJobLedger,
  MemoryMailStore,
  MemorySenderList,
} from './in-memory-ports.ts';

/** faxrocks' answer to a good POST /send; `seen` gets each request body's length. */
export function faxrocksFetch(seen: (bodyBytes: number) => void = () => {}): typeof fetch {
  return async (_url, init) => {
    const body = init?.body;
    seen(typeof body === 'string' ? body.length : body instanceof Uint8Array ? body.byteLength : -1);
    return new Response(JSON.stringify({ number: '+4930123456', pages: 1, estimated_costs: 0.09 }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
}

/** Dependencies with alice@example.com allowed; the mail store is returned to put mails in. */
export async function benchInboundDeps(
  policy: GatewayPolicy,
  fetch: typeof globalThis.fetch,
): Promise<{ deps: InboundDeps; mailStore: MemoryMailStore }> {
  const mailStore = new MemoryMailStore();
  const senders = new MemorySenderList();
  await senders.add({ entry: 'alice@example.com', addedBy: 'bench', addedAt: new Date().toISOString() });
  const deps: InboundDeps = {
    mailStore,
    senders,
    ledger: new MemoryJobLedger(),
    faxApi: new FaxrocksClient({ baseUrl: 'http://127.0.0.1:9/api', token: staticToken('bench'), fetch }),
    mailer: new CountingMailer(),
    policy,
    clock: systemClock,
    log: silentLog,
    metrics: new CountingMetrics(),
    usage: new MemoryDailyUsage(),
  };
  return { deps, mailStore };
}
