// The settings schema: every setting is declared once, as a `Setting` in a group. From that one
// declaration follow the Lambda environment parsing (functions/config.ts), the defaults of
// `npm start` (local/local-config.ts), the construct's props, its CDK context keys and the
// environment it gives each function (infra/), and the README's configuration table
// (`npm run docs:config`). Adding a setting is adding one entry to a group.
//
// Plain data and small functions only: this module is bundled into both Lambda functions.

import { COSTLY_NUMBER_KINDS } from './domain/costly-numbers.ts';
import { canonicalTimeZone } from './domain/mail-options.ts';

/** The deployed functions; a group names which of them read its settings. */
export type FunctionName = 'inbound' | 'poller';

/** A value read from text (environment, `-c key=value`) or given typed (construct props, cdk.json). */
export type Reading<T> = { ok: true; value: T } | { ok: false; must: string; got?: unknown };

export interface Kind<T> {
  /** How CDK context gives it: as text from the command line, as JSON from cdk.json. */
  readonly type: 'string' | 'number' | 'boolean' | 'list';
  /** The valid values in a few words, for the README ("1-10000", "`DEBUG`, `INFO`"). */
  readonly allowed?: string;
  read(raw: unknown): Reading<T>;
  /** Back to text, for a function's environment. */
  text(value: T): string;
  /** Applied to context text before the construct checks it (case of an enumeration). */
  normalise?(raw: string): string;
}

export interface Setting<T> {
  readonly kind: Kind<T>;
  /** One line for the README. */
  readonly doc: string;
  /** The environment variable the functions (or `npm start`) read it from. */
  readonly env?: string;
  /** A required setting has no default and stops start-up when missing. */
  readonly required?: true;
  /** The default, or how it follows from settings declared before it in the group. */
  readonly default?: T | ((earlier: Readonly<Record<string, unknown>>) => T);
  /** How the README shows the default when the value alone would not say it. */
  readonly shownDefault?: string;
  /** The default under `npm start`, where it differs. */
  readonly localDefault?: T;
  /**
   * Construct prop and CDK context key: the setting's own name unless given; `false` when the
   * setting is not chosen at deploy time (the function's default, or `npm start` only).
   */
  readonly deploy?: string | false;
  /**
   * A CDK context key the construct takes in another form (`pollMinutes` is the prop
   * `pollInterval`, a Duration) or that the app reads itself (`stackName`): no generated prop.
   */
  readonly contextOnly?: true;
}

// biome-ignore lint/suspicious/noExplicitAny: a group holds settings of every value type
export type AnySetting = Setting<any>;

export interface SettingGroup<S extends Record<string, AnySetting> = Record<string, AnySetting>> {
  /** Heading of the group in the README. */
  readonly title: string;
  /** The functions whose environment the construct puts these settings in; both unless named. */
  readonly functions?: readonly FunctionName[];
  /** `npm start` only: no construct prop, no context key. */
  readonly localOnly?: boolean;
  readonly settings: S;
}

export function settingGroup<const S extends Record<string, AnySetting>>(
  group: SettingGroup<S>,
): SettingGroup<S> {
  return group;
}

export type ValueOf<S> = S extends { kind: Kind<infer T> } ? T : never;
/** Whether a setting always has a value (required, or a default). */
export type Always<S> = S extends { required: true } ? true : S extends { default: unknown } ? true : false;
export type Flat<T> = { -readonly [K in keyof T]: T[K] } & {};

/** The values of a group's settings: optional exactly where a setting has neither default nor `required`. */
export type SettingValues<S extends Record<string, AnySetting>> = Flat<
  { [K in keyof S as Always<S[K]> extends true ? K : never]: ValueOf<S[K]> } & {
    [K in keyof S as Always<S[K]> extends true ? never : K]?: ValueOf<S[K]>;
  }
>;

type Env = Record<string, string | undefined>;

/** A reading's failure as one sentence naming the setting: `MAX_PAGES must be ..., not "0"`. */
export function invalidMessage(name: string, raw: unknown, reading: { must: string; got?: unknown }): string {
  const got = 'got' in reading ? reading.got : raw;
  const shown = typeof got === 'number' ? String(got) : (JSON.stringify(got) ?? String(got));
  return `${name} must ${reading.must}, not ${shown}`;
}

function defaultOf(setting: AnySetting, earlier: Record<string, unknown>, local: boolean): unknown {
  if (local && setting.localDefault !== undefined) return setting.localDefault;
  return typeof setting.default === 'function' ? setting.default(earlier) : setting.default;
}

/**
 * The group's values from a source, in declaration order (a derived default sees the settings
 * before it). `raw` gives a setting's value or undefined; `fail` builds the error to throw.
 */
export function readSettings<S extends Record<string, AnySetting>>(
  group: SettingGroup<S>,
  options: {
    raw: (key: string, setting: AnySetting) => unknown;
    name: (key: string, setting: AnySetting) => string;
    fail: (message: string) => Error;
    missing?: (key: string, setting: AnySetting) => string;
    local?: boolean;
  },
): SettingValues<S> {
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(group.settings)) {
    const raw = options.raw(key, setting);
    if (raw === undefined) {
      const fallback = defaultOf(setting, values, options.local ?? false);
      if (fallback === undefined && setting.required) {
        throw options.fail(options.missing?.(key, setting) ?? `${options.name(key, setting)} must be set`);
      }
      values[key] = fallback;
      continue;
    }
    const reading = setting.kind.read(raw);
    if (!reading.ok) throw options.fail(invalidMessage(options.name(key, setting), raw, reading));
    values[key] = reading.value;
  }
  return values as SettingValues<S>;
}

/** An environment variable's text, trimmed; blank is unset. */
export function envText(env: Env, name: string | undefined): string | undefined {
  const value = name === undefined ? undefined : env[name]?.trim();
  return value ? value : undefined;
}

/** The group's values from environment variables; a bad or missing one throws `fail(message)`. */
export function settingsFromEnv<S extends Record<string, AnySetting>>(
  group: SettingGroup<S>,
  env: Env,
  fail: (message: string) => Error,
  options: { local?: boolean } = {},
): SettingValues<S> {
  return readSettings(group, {
    raw: (_key, setting) => envText(env, setting.env),
    name: (key, setting) => setting.env ?? key,
    fail,
    ...options,
  });
}

/** The construct prop / context key of a setting, or undefined when it is not chosen at deploy time. */
export function deployKey(group: SettingGroup, key: string): string | undefined {
  const setting = group.settings[key];
  if (group.localOnly || setting === undefined || setting.deploy === false) return undefined;
  return setting.deploy ?? key;
}

// ---- Kinds ----

const ok = <T>(value: T): Reading<T> => ({ ok: true, value });
const no = <T>(must: string, got?: unknown): Reading<T> =>
  got === undefined ? { ok: false, must } : { ok: false, must, got };

function numeric(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && raw.trim() !== '') return Number(raw.trim());
  return undefined;
}

/** A whole number within bounds. */
export function whole(
  min: number,
  max: number,
  must = `be a whole number from ${min} to ${max}`,
): Kind<number> {
  return {
    type: 'number',
    allowed: `${min}-${max}`,
    read(raw) {
      const value = numeric(raw);
      return value !== undefined && Number.isInteger(value) && value >= min && value <= max
        ? ok(value)
        : no(must);
    },
    text: String,
  };
}

/** Any number within bounds, fractions too. */
export function decimal(min: number, max?: number): Kind<number> {
  const must = max === undefined ? `be a number of ${min} or more` : `be a number from ${min} to ${max}`;
  return {
    type: 'number',
    allowed: max === undefined ? `${min} or more` : `${min}-${max}`,
    read(raw) {
      const value = numeric(raw);
      return value !== undefined &&
        Number.isFinite(value) &&
        value >= min &&
        (max === undefined || value <= max)
        ? ok(value)
        : no(must);
    },
    text: String,
  };
}

export const port: Kind<number> = whole(0, 65535, 'be a port number from 0 to 65535');

export const flag: Kind<boolean> = {
  type: 'boolean',
  allowed: '`true`, `false`',
  read(raw) {
    if (raw === true || raw === 'true') return ok(true);
    if (raw === false || raw === 'false') return ok(false);
    return no('be true or false');
  },
  text: String,
};

/** Text that passes a test, after an optional normalisation (case). */
export function text(options: {
  must: string;
  test?: (value: string) => boolean;
  normalise?: (value: string) => string;
  allowed?: string;
}): Kind<string> {
  return {
    type: 'string',
    ...(options.allowed === undefined ? {} : { allowed: options.allowed }),
    read(raw) {
      if (typeof raw !== 'string' || raw.trim() === '') return no(options.must);
      const value = options.normalise ? options.normalise(raw.trim()) : raw.trim();
      return options.test === undefined || options.test(value) ? ok(value) : no(options.must, value);
    },
    text: (value) => value,
  };
}

/** One of a few words; case-insensitive, given back in the case declared. */
export function oneOf<const V extends string>(values: readonly V[]): Kind<V> {
  const allowed = values.map((v) => `\`${v}\``).join(', ');
  const upper = values.every((v) => v === v.toUpperCase());
  const normalise = (raw: string) => (upper ? raw.toUpperCase() : raw.toLowerCase());
  return {
    type: 'string',
    allowed,
    normalise,
    read(raw) {
      const value = typeof raw === 'string' ? normalise(raw.trim()) : undefined;
      return value !== undefined && (values as readonly string[]).includes(value)
        ? ok(value as V)
        : no(`be one of ${values.join(', ')}`);
    },
    text: (value) => value,
  };
}

/** A comma-separated list (an array in props and cdk.json) whose items each pass `item`. */
export function list(item: {
  test: (value: string) => boolean;
  must: string;
  allowed: string;
}): Kind<string[]> {
  return {
    type: 'list',
    allowed: item.allowed,
    read(raw) {
      const items =
        typeof raw === 'string'
          ? raw.split(',')
          : Array.isArray(raw) && raw.every((v) => typeof v === 'string')
            ? (raw as string[])
            : undefined;
      if (items === undefined) return no('be a comma-separated list');
      const values = items.map((v) => v.trim()).filter(Boolean);
      const bad = values.find((v) => !item.test(v));
      return bad === undefined ? ok(values) : no(item.must, bad);
    },
    text: (values) => values.join(','),
  };
}

// ---- Shared value rules ----

export function isDomainName(value: string): boolean {
  return (
    value.length <= 253 &&
    /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(value)
  );
}

export function isMailAddress(value: string): boolean {
  const at = value.lastIndexOf('@');
  return (
    at > 0 && /^[^\s@<>(),;:"]+$/.test(value.slice(0, at)) && isDomainName(value.slice(at + 1).toLowerCase())
  );
}

const lower = (value: string) => value.toLowerCase();

export const domainName = text({
  must: 'be a DNS name such as fax.example.com',
  test: isDomainName,
  normalise: lower,
});
export const mailAddress = text({ must: 'be one mail address', test: isMailAddress });
export const tableName = text({
  must: 'be a DynamoDB table name',
  test: (v) => /^[A-Za-z0-9_.-]{3,255}$/.test(v),
});

/** A code of `letters` capital letters (country, currency), given in any case. */
function letterCode(letters: number, what: string, allowed: string): Kind<string> {
  return text({
    must: `be ${what}`,
    test: (v) => new RegExp(`^[A-Z]{${letters}}$`).test(v),
    normalise: (v) => v.toUpperCase(),
    allowed,
  });
}

/** Minutes, comma-separated (`5,5,15,40`); empty means none. */
export const minutesList: Kind<number[]> = {
  type: 'list',
  allowed: 'minutes, comma-separated',
  read(raw) {
    const items =
      typeof raw === 'string'
        ? raw.split(',')
        : Array.isArray(raw)
          ? (raw as unknown[]).map((v) => String(v))
          : undefined;
    if (items === undefined) return no('be comma-separated minutes such as 5,5,15,40');
    const values = items
      .map((v) => v.trim())
      .filter(Boolean)
      .map(Number);
    const bad = values.find((v) => !Number.isInteger(v) || v < 0 || v > 1440);
    return bad === undefined ? ok(values) : no('be comma-separated minutes from 0 to 1440', bad);
  },
  text: (values) => values.join(','),
};

// ---- The gateway's settings ----

/** Paper sizes of pages made from pictures (functions/domain/image-pages.ts draws them). */
const PAGE_SIZE_NAMES = ['A4', 'Letter', 'Legal'] as const;
const pageSizeKind: Kind<(typeof PAGE_SIZE_NAMES)[number]> = {
  type: 'string',
  allowed: '`A4`, `Letter`, `Legal`',
  read(raw) {
    const name = PAGE_SIZE_NAMES.find(
      (n) => typeof raw === 'string' && n.toLowerCase() === raw.trim().toLowerCase(),
    );
    return name ? ok(name) : no('be A4, Letter or Legal');
  },
  text: (value) => value,
};
// Where Letter is the usual paper: North America and a few neighbours.
const LETTER_COUNTRIES = ['US', 'CA', 'MX', 'PH', 'CL', 'CO', 'VE', 'PR', 'GT', 'CR', 'PA', 'DO', 'SV'];

const MiB = 1024 * 1024;
/** The largest mail SES accepts; no document in it can be larger. */
export const MAX_SES_MAIL_BYTES = 40 * MiB;

/** What the inbound function and the poller both read: the mail and fax rules. */
export const gatewaySettings = settingGroup({
  title: 'Gateway',
  settings: {
    faxDomain: {
      kind: domainName,
      env: 'FAX_DOMAIN',
      deploy: 'domain',
      required: true,
      localDefault: 'fax.localhost',
      doc: 'The fax domain: mail to `<number>@<domain>` is faxed (its MX record points at SES)',
    },
    replyFrom: {
      kind: text({
        must: 'be one mail address such as fax@fax.example.com',
        test: isMailAddress,
        normalise: lower,
      }),
      env: 'REPLY_FROM',
      default: (earlier: Readonly<Record<string, unknown>>) => `fax@${earlier.faxDomain}`,
      shownDefault: '`fax@<domain>`',
      doc: 'Sender address of every reply (its domain must be a verified SES identity)',
    },
    defaultCountry: {
      kind: letterCode(2, 'a two-letter ISO country code such as DE', 'ISO 3166 alpha-2'),
      env: 'DEFAULT_COUNTRY',
      doc: 'Country national numbers (`030...`) are dialled in; without it they are refused with a reply showing the international form',
    },
    maxNumbersPerMail: {
      kind: whole(1, 1000),
      env: 'MAX_NUMBERS_PER_MAIL',
      default: 50,
      doc: 'More fax numbers in one mail reject the mail whole',
    },
    maxPages: { kind: whole(1, 10_000), env: 'MAX_PAGES', default: 100, doc: 'Pages per fax' },
    maxDocumentBytes: {
      kind: whole(1, MAX_SES_MAIL_BYTES),
      env: 'MAX_DOCUMENT_BYTES',
      default: 20 * MiB,
      shownDefault: '`20971520` (20 MiB)',
      doc: 'Size of the document to fax, in bytes (40 MiB is what SES accepts for the whole mail)',
    },
    pageSize: {
      kind: pageSizeKind,
      env: 'PAGE_SIZE',
      default: (earlier: Readonly<Record<string, unknown>>) =>
        LETTER_COUNTRIES.includes(String(earlier.defaultCountry)) ? 'Letter' : 'A4',
      shownDefault: '`A4`; `Letter` when `DEFAULT_COUNTRY` is US, CA, MX and other Letter countries',
      doc: 'Page size of the pages made from attached pictures and scans',
    },
    maxImagePixels: {
      kind: whole(1, 1_000_000_000),
      env: 'MAX_IMAGE_PIXELS',
      default: 40_000_000,
      shownDefault: '`40000000` (40 megapixels)',
      doc: 'Pixels (width x height) of one attached picture or TIFF page, read from its header before it is decoded',
    },
    coverPage: {
      kind: oneOf(['never', 'on-request', 'always'] as const),
      env: 'COVER_PAGE',
      // What most services do (InterFAX, SRFax, Sinch): a cover page when the sender asks for one,
      // so a mail sent with only a PDF in mind faxes exactly that PDF.
      default: 'on-request',
      doc: 'Cover page made from the mail (to, from, date, subject, pages, the body text): `on-request` when the subject ends in `/cover`, `always` unless it ends in `/nocover`, or `never`',
    },
    coverCompany: {
      kind: text({ must: 'be a line of text' }),
      env: 'COVER_COMPANY',
      shownDefault: 'none',
      doc: 'Company line printed at the top of every cover page, e.g. `Example GmbH, Berlin`',
    },
    coverLogo: {
      kind: text({
        must: 'be a file path or an s3://bucket/key address of a PNG or JPEG',
        test: (v) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || /^s3:\/\/[a-z0-9.-]{3,63}\/.+/.test(v),
      }),
      env: 'COVER_LOGO',
      shownDefault: 'none',
      doc: 'Logo (PNG or JPEG) at the top left of every cover page: `s3://<bucket>/<key>` (the inbound function may read that object only), or a file path under `npm start`; read once per cold start',
    },
    documentCheckSeconds: {
      kind: whole(1, 600),
      env: 'DOCUMENT_CHECK_SECONDS',
      default: 30,
      doc: "Time one mail's documents may take to open, check and merge in the document worker (its start-up not counted); longer is rejected as too complex to fax",
    },
    documentInflateMb: {
      kind: whole(1, 4096),
      env: 'DOCUMENT_INFLATE_MB',
      default: 256,
      doc: "Megabytes the PDF streams of one mail's documents may inflate to while they are checked, at most; below that, at most 1 MB and 16 times the documents' own size, so a decompression bomb is refused cheaply",
    },
    allowedPrefixes: {
      kind: list({
        test: (v) => /^\+\d{1,15}$/.test(v),
        must: 'hold E.164 prefixes such as +49 or +1900',
        allowed: 'E.164 prefixes',
      }),
      env: 'ALLOWED_PREFIXES',
      default: [],
      shownDefault: 'all',
      doc: 'Comma-separated prefixes that may be dialled, e.g. `+49,+43`',
    },
    blockedPrefixes: {
      kind: list({
        test: (v) => /^\+\d{1,15}$/.test(v),
        must: 'hold E.164 prefixes such as +49 or +1900',
        allowed: 'E.164 prefixes',
      }),
      env: 'BLOCKED_PREFIXES',
      default: [],
      shownDefault: 'none',
      doc: 'Comma-separated prefixes never dialled (premium rate), e.g. `+49900,+1900`; checked after the allowed ones',
    },
    allowedNumberTypes: {
      kind: list({
        test: (v) => (COSTLY_NUMBER_KINDS as readonly string[]).includes(v),
        must: `name kinds of number among ${COSTLY_NUMBER_KINDS.join(', ')}`,
        allowed: COSTLY_NUMBER_KINDS.map((kind) => `\`${kind}\``).join(', '),
      }),
      env: 'ALLOW_NUMBER_TYPES',
      default: [],
      shownDefault: 'none',
      doc: 'Comma-separated kinds of costly number that may be dialled; refused otherwise, whatever the prefixes allow: premium rate (+1 900, +44 909), shared cost (+49 137), personal numbers (+44 70) and global services (satellite +881, +870, international networks +882, +883, ...)',
    },
    senderDailyPageLimit: {
      kind: whole(0, 1_000_000),
      env: 'SENDER_DAILY_PAGE_LIMIT',
      default: 0,
      shownDefault: '`0` (off)',
      doc: 'Pages (pages x numbers) one sender may fax per UTC day',
    },
    dailyCostCeiling: {
      kind: decimal(0),
      env: 'DAILY_COST_CEILING',
      default: 0,
      shownDefault: '`0` (off)',
      doc: 'Estimated cost after which the gateway accepts no more mail that UTC day',
    },
    defaultTimeZone: {
      kind: text({
        must: 'be a time zone of the tz database such as Europe/Berlin',
        test: (v) => canonicalTimeZone(v) === v,
        normalise: (v) => canonicalTimeZone(v) ?? v,
        allowed: 'IANA time zone',
      }),
      env: 'DEFAULT_TIMEZONE',
      default: 'Europe/Berlin',
      doc: 'Time zone of a send time (`/at 2026-12-24 09:00`) that names none',
    },
    scheduleHorizonDays: {
      kind: whole(1, 365),
      env: 'SCHEDULE_HORIZON_DAYS',
      default: 30,
      doc: 'How far ahead a fax may be scheduled (`/at`); later times are refused with a reply',
    },
    jobRetentionDays: {
      kind: whole(1, 3650),
      env: 'JOB_RETENTION_DAYS',
      default: 400,
      doc: 'Days job and mail records are kept (DynamoDB time to live)',
    },
    priceCurrency: {
      kind: letterCode(3, 'a three-letter currency code such as EUR', 'ISO 4217'),
      env: 'PRICE_CURRENCY',
      default: 'EUR',
      doc: 'Currency replies write prices in (faxrocks answers bare numbers)',
    },
    estimatedPricePerPage: {
      kind: decimal(0, 100),
      env: 'PRICE_PER_PAGE',
      default: 0.09,
      doc: "Price per page the daily cost ceiling reserves before `/send` (faxrocks' answer corrects it)",
    },
    giveUpAfterMinutes: {
      kind: whole(1, 5760),
      env: 'GIVE_UP_AFTER_MINUTES',
      default: 120,
      doc: 'A mail faxrocks will not take (429, token refused, unreachable) is retried with backoff, honouring `Retry-After`, for this long after it was first received; then it is recorded `FAILED` and the sender told that nothing was faxed and sending again is safe',
    },
    redialBusyMinutes: {
      kind: minutesList,
      env: 'REDIAL_BUSY_MINUTES',
      default: [5, 5, 15, 40],
      shownDefault: '`5,5,15,40`',
      doc: 'Minutes before each further attempt after a busy line (how many: the length of the list)',
    },
    redialNoAnswerMinutes: {
      kind: minutesList,
      env: 'REDIAL_NO_ANSWER_MINUTES',
      default: [5, 30],
      shownDefault: '`5,30`',
      doc: 'Minutes before each further attempt after no answer',
    },
    redialBrokenOffMinutes: {
      kind: minutesList,
      env: 'REDIAL_BROKEN_OFF_MINUTES',
      default: [2, 10],
      shownDefault: '`2,10`',
      doc: 'Minutes before each further attempt after a transmission broken off part way (pages sent < pages)',
    },
    redialMaxAttempts: {
      kind: whole(1, 10),
      env: 'REDIAL_MAX_ATTEMPTS',
      default: 6,
      doc: 'Attempts per number at most, the first included (`1`: never re-dial)',
    },
    redialWindowMinutes: {
      kind: whole(0, 1440),
      env: 'REDIAL_WINDOW_MINUTES',
      default: 180,
      doc: 'No attempt starts later than this after the first',
    },
    sendInFlightSeconds: {
      kind: whole(1, 3600),
      env: 'SEND_IN_FLIGHT_SECONDS',
      default: 180,
      // The local queue never runs two messages of one stored mail at once (local/inbound-queue.ts),
      // so an unfinished send found there is always a crashed run's: no wait.
      localDefault: 1,
      deploy: false,
      doc: "How long another run's unfinished send may still be going (at least the inbound function's time-out); a duplicate run that meets a younger one retries later",
    },
  },
});

// The construct's own names (CloudFormation chose them): any text is taken as it is.
const resourceName = text({ must: 'be the name of a resource' });

/**
 * The names of what the construct made, which it hands each function (no prop, no context key: the
 * construct sets them from the resources themselves; `npm start` from its own stand-ins).
 */
export const resourceSettings = settingGroup({
  title: 'Resources (set by the construct)',
  settings: {
    jobsTable: {
      kind: resourceName,
      env: 'JOBS_TABLE',
      required: true,
      deploy: false,
      doc: 'Mail records, jobs and their attempts, usage counters',
    },
    sendersTable: { kind: resourceName, env: 'SENDERS_TABLE', deploy: false, doc: 'The sender allowlist' },
    mailBucket: {
      kind: resourceName,
      env: 'MAIL_BUCKET',
      deploy: false,
      doc: "Raw mail, and each mail's prepared document for later attempts",
    },
    maxReceiveCount: {
      kind: whole(1, 1000),
      env: 'INBOUND_MAX_RECEIVE_COUNT',
      deploy: false,
      doc: "The inbound queue's receives before a dead letter (the construct's maxReceiveCount): the last one gives up",
    },
    queueUrl: {
      kind: resourceName,
      env: 'INBOUND_QUEUE_URL',
      deploy: false,
      doc: "The inbound queue's URL; without it each message's eventSourceARN names the queue",
    },
    sesConfigurationSet: {
      kind: resourceName,
      env: 'SES_CONFIGURATION_SET',
      deploy: false,
      doc: "SES configuration set for the replies' bounce and complaint events",
    },
  },
});

/** A function's environment entries for the named resources, under the names the group declares. */
export function resourceEnvironment(
  names: Partial<Record<keyof typeof resourceSettings.settings, string>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(names).map(([key, name]) => [
      resourceSettings.settings[key as keyof typeof resourceSettings.settings].env,
      name,
    ]),
  );
}

/** What the status poller reads on top of the gateway settings. */
export const pollerSettings = settingGroup({
  title: 'Status poller',
  functions: ['poller'],
  settings: {
    clockSkewSeconds: {
      kind: whole(0, 3600),
      env: 'CLOCK_SKEW_SECONDS',
      default: 120,
      doc: 'Clock difference to faxrocks tolerated when matching faxes, in seconds',
    },
    unknownSendAfterMinutes: {
      kind: whole(1, 525_600),
      env: 'UNKNOWN_SEND_AFTER_MINUTES',
      default: 30,
      doc: 'An ambiguous send not found in `/faxes` by then ends `UNKNOWN`',
    },
    pendingTimeoutMinutes: {
      kind: whole(1, 525_600),
      env: 'PENDING_TIMEOUT_MINUTES',
      default: 1440,
      doc: 'A queued fax still pending by then ends `UNKNOWN`',
    },
    pageSize: {
      kind: whole(1, 1000),
      env: 'FAXES_PAGE_SIZE',
      default: 1000,
      deploy: false,
      doc: '`GET /faxes` page size',
    },
    maxPages: {
      kind: whole(1, 1000),
      env: 'FAXES_MAX_PAGES',
      default: 20,
      deploy: false,
      doc: "Most `/faxes` pages read in one poll when the provider's order cannot be trusted",
    },
    settleWindowMinutes: {
      kind: whole(1, 1440),
      env: 'SETTLE_WINDOW_MINUTES',
      default: 10,
      doc: 'An ambiguous send missing from complete `/faxes` reads on polls over this long after it was sent was never created, and is sent again',
    },
    resendAmbiguous: {
      kind: flag,
      env: 'RESEND_AMBIGUOUS',
      default: true,
      doc: 'Send an ambiguous send proven never created again; `false`: it ends `UNKNOWN` instead',
    },
  },
});
