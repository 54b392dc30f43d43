// The kinds of number refused unless allowed, apart from the number rules (fax-numbers.ts) so the
// settings schema can name them without loading libphonenumber-js and its full metadata (the
// status poller reads the settings on every cold start and checks no numbers).

/**
 * Kinds of number a fax to which costs far more than a fax should, or reaches no fax machine:
 * refused unless an administrator allows the kind (ALLOW_NUMBER_TYPES). The first three are
 * libphonenumber's types; `global-service` is ITU's shared country codes for global services.
 */
export const COSTLY_NUMBER_KINDS = [
  'premium-rate',
  'shared-cost',
  'personal-number',
  'global-service',
] as const;
export type CostlyNumberKind = (typeof COSTLY_NUMBER_KINDS)[number];
