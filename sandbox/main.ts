// `npm run sandbox`: the faxrocks sandbox on its own, configured from the environment.

import { numberFrom, optionalString } from '../functions/config.ts';
import { SANDBOX_FOREIGN_FAX_ID, SANDBOX_TEST_NUMBERS, startFaxrocksSandbox } from './faxrocks-sandbox.ts';

const sandbox = await startFaxrocksSandbox({
  host: optionalString(process.env, 'SANDBOX_HOST') ?? '127.0.0.1',
  port: numberFrom(process.env, 'SANDBOX_PORT', 8787, { min: 0, max: 65535 }),
  token: optionalString(process.env, 'SANDBOX_TOKEN') ?? 'sandbox-token',
  deliveryDelayMs: numberFrom(process.env, 'SANDBOX_DELIVERY_DELAY_MS', 3000),
  dataDir: optionalString(process.env, 'SANDBOX_DATA_DIR'),
  log: (line) => console.log(`${new Date().toISOString()} ${line}`),
});

const origin = sandbox.url.replace(/\/api$/, '');
console.log(`faxrocks sandbox listening
  API base URL  ${sandbox.url}
  token         ${sandbox.token}
  state         ${process.env.SANDBOX_DATA_DIR ? process.env.SANDBOX_DATA_DIR : 'in memory (set SANDBOX_DATA_DIR to keep it)'}
  test numbers  ${Object.entries(SANDBOX_TEST_NUMBERS)
    .map(([fate, number]) => `${number} ${fate}`)
    .join('\n                ')}
  403 fax id    ${SANDBOX_FOREIGN_FAX_ID}
  faults        curl -X POST ${origin}/__sandbox/faults -d '{"status5xx":1}'
  try           curl -H 'Accept: application/json' -H 'Authorization: Bearer ${sandbox.token}' ${sandbox.url}/user`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the sandbox`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
