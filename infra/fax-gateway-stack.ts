// A thin stack around the FaxGateway construct: the construct does the work, the stack names what
// the user needs after `cdk deploy` (DNS records, resource names) as outputs.

import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { FaxGateway, type FaxGatewayProps } from './fax-gateway.ts';

export interface FaxGatewayStackProps extends StackProps {
  readonly gateway: FaxGatewayProps;
}

export class FaxGatewayStack extends Stack {
  public readonly gateway: FaxGateway;

  constructor(scope: Construct, id: string, props: FaxGatewayStackProps) {
    super(scope, id, {
      description: `faxgate: email-to-fax gateway for ${props.gateway.domain}`,
      ...props,
    });
    const gateway = new FaxGateway(this, 'Gateway', props.gateway);
    this.gateway = gateway;
    const { domain } = gateway.settings;

    new CfnOutput(this, 'MxRecord', {
      description: `MX record of ${domain}: SES receives the fax mail`,
      value: gateway.mxRecordValue,
    });
    new CfnOutput(this, 'ReceiptRuleSetName', {
      description: gateway.settings.activateRuleSet
        ? 'The receipt rule set (activated by this stack)'
        : 'The receipt rule set: make it active, or add its rule to your active set',
      value: gateway.receiptRuleSetName,
    });
    new CfnOutput(this, 'MailBucketName', { value: gateway.mailBucket.bucketName });
    new CfnOutput(this, 'JobsTableName', { value: gateway.jobsTable.tableName });
    new CfnOutput(this, 'SendersTableName', {
      description: 'The sender allowlist table (add the first sender to it)',
      value: gateway.sendersTable.tableName,
    });
    new CfnOutput(this, 'InboundQueueUrl', { value: gateway.inboundQueue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: gateway.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: gateway.alarmTopic.topicArn });
    new CfnOutput(this, 'ReplyFrom', { value: gateway.settings.replyFrom });
    // What `faxgate --stack` reads (doctor, jobs, dead-letters, usage) besides the names above.
    new CfnOutput(this, 'FaxDomain', { value: domain });
    new CfnOutput(this, 'ReceiptRuleName', { value: gateway.receiptRule.receiptRuleName });
    new CfnOutput(this, 'InboundFunctionName', { value: gateway.inboundFunction.functionName });
    new CfnOutput(this, 'StatusPollerFunctionName', { value: gateway.statusPollerFunction.functionName });
    const { token } = gateway.settings;
    if ('parameterName' in token) {
      new CfnOutput(this, 'TokenParameterName', { value: token.parameterName });
    } else {
      new CfnOutput(this, 'TokenSecretName', { value: token.secretName });
    }
    new CfnOutput(this, 'FaxrocksApiUrl', { value: gateway.settings.faxrocksApiUrl });
    new CfnOutput(this, 'SenderDailyPageLimit', { value: String(gateway.settings.senderDailyPageLimit) });
    new CfnOutput(this, 'DailyCostCeiling', { value: String(gateway.settings.dailyCostCeiling) });

    gateway.domainIdentity?.dkimRecords.forEach((record, i) => {
      new CfnOutput(this, `DkimRecord${i + 1}`, {
        description: `DKIM CNAME record ${i + 1} of ${domain} (verifies the domain for sending)`,
        value: `${record.name} CNAME ${record.value}`,
      });
    });
  }
}
