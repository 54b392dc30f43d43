// The CDK app: `npx cdk deploy -c domain=fax.example.com` (see README "Deploy to AWS").
// A setting that cannot work is reported in one line before anything is synthesized.

import { App } from 'aws-cdk-lib';
import { GatewayConfigurationError } from './fax-gateway.ts';
import { FaxGatewayStack } from './fax-gateway-stack.ts';
import { gatewaySettingsFromContext } from './gateway-context.ts';

const app = new App();
try {
  const settings = gatewaySettingsFromContext(app.node);
  new FaxGatewayStack(app, settings.stackName, {
    gateway: settings.gateway,
    // Concrete only when the CLI knows them (credentials present); the template works either way.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  if (!(error instanceof GatewayConfigurationError)) throw error;
  console.error(`faxgate: ${error.message}`);
  process.exit(1);
}
