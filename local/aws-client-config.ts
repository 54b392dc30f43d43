// AWS SDK client settings for the loopback stand-ins (s3rver, dynalite). Apart from the stand-ins
// themselves, so that the admin CLI can reach `npm start`'s DynamoDB without loading the servers.

export const localCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * SDK client configuration for a loopback stand-in. s3rver checks signatures against its fixed
 * S3RVER account and does not understand the SDK's default aws-chunked checksum uploads, hence the
 * checksum settings; path-style addressing because `bucket.127.0.0.1` does not resolve.
 */
export function localAwsClientConfig(endpoint: string) {
  return {
    region: 'us-east-1',
    endpoint,
    credentials: { ...localCredentials },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
    maxAttempts: 3,
  };
}
