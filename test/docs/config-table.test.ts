// The configuration tables (docs/configuration.md, docs/local-runtime.md) are generated from the settings schema; this fails when a
// setting was added or changed without `npm run docs:config`.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTables, TABLE_FILES, type TableFile, withConfigTables } from '../../scripts/config-table.ts';

const text = (file: TableFile) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('configuration tables', () => {
  it.each(Object.keys(TABLE_FILES) as TableFile[])(
    'in %s are what `npm run docs:config` generates from the settings schema',
    (file) => {
      expect(withConfigTables(file, text(file)), 'run npm run docs:config').toBe(text(file));
    },
  );

  it('name every environment variable and context key of the schema once', () => {
    const tables = configTables('docs/configuration.md') + configTables('docs/local-runtime.md');
    for (const name of ['`FAX_DOMAIN`', '`domain`', '`FAXGATE_SMTP_PORT`', '`pollMinutes`', '`LOG_LEVEL`']) {
      expect(tables.split(`| ${name} |`).length - 1, name).toBe(1);
    }
  });
});
