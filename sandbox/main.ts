// `npm run sandbox`: the faxrocks sandbox on its own, configured from the environment.

import { ConfigError } from '../functions/config.ts';
import { port, settingGroup, settingsFromEnv, text, whole } from '../functions/settings.ts';
import { SANDBOX_FOREIGN_FAX_ID, SANDBOX_TEST_NUMBERS, startFaxrocksSandbox } from './faxrocks-sandbox.ts';

const sandboxSettings = settingGroup({
  title: 'npm run sandbox',
  functions: [],
  localOnly: true,
  settings: {
    host: {
      kind: text({ must: 'be a host address' }),
      env: 'SANDBOX_HOST',
      default: '127.0.0.1',
      doc: 'Address',
    },
    port: { kind: port, env: 'SANDBOX_PORT', default: 8787, doc: 'Port' },
    token: {
      kind: text({ must: 'be a token' }),
      env: 'SANDBOX_TOKEN',
      default: 'sandbox-token',
      doc: 'Token',
    },
    deliveryDelayMs: {
      kind: whole(0, 86_400_000),
      env: 'SANDBOX_DELIVERY_DELAY_MS',
      default: 3000,
      doc: 'Delivery delay',
    },
    dataDir: { kind: text({ must: 'be a folder' }), env: 'SANDBOX_DATA_DIR', doc: 'State folder' },
  },
});

let settings: ReturnType<typeof settingsFromEnv<typeof sandboxSettings.settings>>;
try {
  settings = settingsFromEnv(sandboxSettings, process.env, (message) => new ConfigError(message));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`sandbox: ${error.message}`);
  process.exit(2);
}
const sandbox = await startFaxrocksSandbox({
  ...settings,
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
