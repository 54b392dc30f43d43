// The README's configuration tables are generated from the settings schema; this fails when a
// setting was added or changed without `npm run docs:config`.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTables, withConfigTables } from '../../scripts/config-table.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README configuration tables', () => {
  it('are what `npm run docs:config` generates from the settings schema', () => {
    expect(withConfigTables(readme), 'run npm run docs:config').toBe(readme);
  });

  it('name every environment variable and context key of the schema once', () => {
    const tables = configTables();
    for (const name of ['`FAX_DOMAIN`', '`domain`', '`FAXGATE_SMTP_PORT`', '`pollMinutes`', '`LOG_LEVEL`']) {
      expect(tables.split(`| ${name} |`).length - 1, name).toBe(1);
    }
  });
});
