import type { GatewayPolicy } from '../config.ts';
import type {
  Clock,
  DailyUsage,
  FaxApi,
  JobLedger,
  Log,
  Mailer,
  MailStore,
  MetricsSink,
  PreparedDocuments,
  SenderList,
} from '../ports.ts';

/** Everything the inbound use case needs, built once per cold start (or once by the local runtime). */
export interface InboundDeps {
  mailStore: MailStore;
  senders: SenderList;
  ledger: JobLedger;
  faxApi: FaxApi;
  mailer: Mailer;
  policy: GatewayPolicy;
  clock: Clock;
  log: Log;
  metrics: MetricsSink;
  /** Needed when a cost guard is on (policy.senderDailyPageLimit or policy.dailyCostCeiling). */
  usage?: DailyUsage;
  /** Keeps each mail's prepared document for later attempts (re-dials, resends). */
  documents?: PreparedDocuments;
}
