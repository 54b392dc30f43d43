// What the status poller needs of S3, only for a re-dial or a resend (the kept document): a bundle of
// its own beside the poller's handler (s3-kit.mjs), loaded on first use by LazyS3PreparedDocuments,
// so the scheduled poll, every minute, does not parse the S3 client (~125 KB, ~15 ms of its import).

export { S3Client } from '@aws-sdk/client-s3';
export { S3PreparedDocuments } from './s3-mail-store.ts';
