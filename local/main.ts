// `npm start`: the whole gateway on this machine. Configuration comes from the environment (see
// local-config.ts); a bad value is one line on stderr and exit code 2, a port or data folder in use
// exit code 3.

import { realpathSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLoopbackHost } from '../functions/adapters/faxrocks/client.ts';
import { ConfigError } from '../functions/errors.ts';
import { SANDBOX_TEST_NUMBERS } from '../sandbox/faxrocks-sandbox.ts';
import { localCredentials } from './aws-client-config.ts';
import { type LocalConfig, localConfigFromEnv, localDefaults } from './local-config.ts';
import { type LocalGateway, PortInUseError, startLocalGateway } from './runtime.ts';
import { DataFolderInUseError } from './stand-ins.ts';

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/** A one-page PDF shipped for the banner's example (examples/make-sample-pdf.ts writes it). */
export const SAMPLE_PDF = 'examples/sample.pdf';

export function banner(gateway: LocalGateway): string {
  const c: LocalConfig = gateway.config;
  const domain = c.policy.faxDomain;
  // Without the plus sign: swaks (Getopt) would read the address as an option; a leading digit
  // 1-9 is international anyway (PRODUCT.md section 3).
  const number = SANDBOX_TEST_NUMBERS.delivered.replace(/^\+/, '');
  const smtp = `${c.host}:${gateway.smtpPort}`;
  const senderEnv = [
    gateway.dynamodbEndpoint !== `http://127.0.0.1:${localDefaults.dynamodbPort}`
      ? `FAXGATE_DYNAMODB_ENDPOINT=${gateway.dynamodbEndpoint} `
      : '',
    c.sendersTable !== localDefaults.sendersTable ? `SENDERS_TABLE=${c.sendersTable} ` : '',
  ].join('');
  const smtpEnv = gateway.smtpPort !== localDefaults.smtpPort ? `FAXGATE_SMTP_PORT=${gateway.smtpPort} ` : '';
  const faxrocks = gateway.sandbox
    ? `${gateway.faxrocksUrl}  (sandbox, token ${gateway.sandbox.token}; delivers after ${c.sandboxDeliveryDelayMs} ms)`
    : `${gateway.faxrocksUrl}  (FAXROCKS_API_URL: real faxes may be sent and charged)`;
  const lines = [
    '',
    `faxgate is running on this machine (pid ${process.pid}). Ctrl-C or kill ${process.pid} stops it; state is kept for the next start.`,
    '',
    ...(isLoopbackHost(c.host)
      ? []
      : [
          `WARNING: listening on ${c.host}, not loopback. The SMTP server has no authentication and stamps`,
          '  every mail as SES-authenticated: anyone who can reach it can fax as an allowed sender.',
          '',
        ]),
    `  Inbound SMTP   ${smtp}  mail to <fax number>@${domain} (SES header block stamped, verdicts ${c.sesStamp.spamVerdict}/${c.sesStamp.virusVerdict})`,
    `  S3             ${gateway.s3Endpoint}  bucket ${c.bucket}, mail under inbound/  (access key ${localCredentials.accessKeyId}, secret ${localCredentials.secretAccessKey}, region us-east-1)`,
    `  DynamoDB       ${gateway.dynamodbEndpoint}  tables ${c.jobsTable}, ${c.sendersTable}`,
    `  faxrocks API   ${faxrocks}`,
    `  Outbox         ${shown(gateway.outboxDir)}/  replies as .eml${c.smtpRelay ? `, relayed to ${c.smtpRelay.host}` : ''}`,
    `  Dead letters   ${shown(gateway.deadLetterDir)}/  after ${c.queue.maxReceiveCount} failed receives, when a mail cannot give up`,
    `  Status poll    every ${c.pollSeconds} s`,
    `  Data folder    ${shown(c.dataDir)}/`,
    '',
    'Send a test fax end to end:',
    `  1. allow yourself     ${senderEnv}npx faxgate senders add you@example.com --local`,
    `  2. mail a PDF         swaks --server ${smtp} --from you@example.com --to ${number}@${domain} --attach @${SAMPLE_PDF}`,
    `     (or without swaks) ${smtpEnv}npm run send-test-fax -- --from you@example.com --to ${number}@${domain}`,
    `  3. read the replies   ls ${shown(gateway.outboxDir)}/   ("queued" at once, the receipt after delivery)`,
    '',
    'Or store a mail straight into the bucket as SES does (with SES header block; a new key each time):',
    `  npm run send-test-fax -- --from you@example.com --to ${number}@${domain} --eml test.eml`,
    `  AWS_ACCESS_KEY_ID=${localCredentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${localCredentials.secretAccessKey} AWS_REQUEST_CHECKSUM_CALCULATION=when_required \\`,
    `    aws --region us-east-1 --endpoint-url ${gateway.s3Endpoint} s3 cp test.eml s3://${c.bucket}/inbound/mytestmail000000001`,
    '',
  ];
  if (gateway.sandbox) {
    lines.push(
      `Sandbox test numbers: ${Object.entries(SANDBOX_TEST_NUMBERS)
        .map(([fate, n]) => `${n} ${fate}`)
        .join(', ')}`,
      '',
    );
  }
  return lines.join('\n');
}

export async function main(): Promise<void> {
  // The SDK's "Node 22 soon" notice would sit in the middle of the banner; engines allows Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let config: LocalConfig;
  try {
    config = localConfigFromEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`faxgate: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }

  let gateway: LocalGateway;
  try {
    gateway = await startLocalGateway({ ...config, env: process.env });
  } catch (error) {
    if (error instanceof PortInUseError || error instanceof DataFolderInUseError) {
      console.error(`faxgate: ${error.message}`);
      process.exit(3);
    }
    if (error instanceof ConfigError) {
      console.error(`faxgate: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  // The handlers first, the banner after: whoever waits for the banner and then sends SIGTERM gets
  // the clean stop, not a process killed before it could listen.
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // A second Ctrl-C means "now": give up on the work in flight.
      if (stopping) process.exit(130);
      stopping = true;
      console.log(`\nfaxgate: ${signal}, finishing the work in flight and stopping`);
      gateway.close().then(
        () => {
          console.log('faxgate: stopped');
          process.exit(0);
        },
        (error: unknown) => {
          console.error('faxgate: error while stopping', error);
          process.exit(1);
        },
      );
    });
  }
  console.log(banner(gateway));
}

/** True when node was started on this file (`npm start`); false when it is imported (tests). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

// Importing this module (for its banner) starts nothing: only `npm start` runs the gateway.
if (isEntryPoint()) await main();
