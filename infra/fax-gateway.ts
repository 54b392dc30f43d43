// The whole gateway as one reusable construct: SES receiving -> S3 -> SQS -> inbound function,
// DynamoDB ledger and allowlist, the scheduled status poller, and alarms. The props and their
// checks are in gateway-props.ts, the stateful resources (kept when the stack is deleted) in
// gateway-stateful.ts, the replaceable rest in gateway-stateless.ts.

import {
  custom_resources as customResources,
  type aws_dynamodb as dynamodb,
  type aws_events as events,
  type aws_iam as iam,
  type aws_lambda_nodejs as nodejs,
  Stack,
  type aws_s3 as s3,
  type aws_ses as ses,
  type aws_sns as sns,
  type aws_sqs as sqs,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  type FaxGatewayProps,
  type FaxGatewaySettings,
  INBOUND_PREFIX,
  PREPARED_PREFIX,
  resolveProps,
} from './gateway-props.ts';
import { createStatefulResources } from './gateway-stateful.ts';
import { createAlarms, createFunctions, createReceiving, type GatewayAlarms } from './gateway-stateless.ts';

export {
  DEFAULT_FAXROCKS_API_URL,
  DEFAULT_TOKEN_PARAMETER,
  type FaxGatewayProps,
  type FaxGatewaySettings,
  GatewayConfigurationError,
  INBOUND_PREFIX,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from './gateway-props.ts';

export class FaxGateway extends Construct {
  /** Raw inbound mail under `inbound/`, written by SES only. */
  declare public readonly mailBucket: s3.Bucket;
  /** Server access logs of the mail bucket. */
  declare public readonly accessLogsBucket: s3.IBucket;
  /** Fax jobs and mail records, with the sparse `open-jobs` index. */
  declare public readonly jobsTable: dynamodb.Table;
  /** The sender allowlist. */
  declare public readonly sendersTable: dynamodb.Table;
  /** Object-created events of new mail, consumed by the inbound function. */
  declare public readonly inboundQueue: sqs.Queue;
  /** Messages the inbound function failed on `maxReceiveCount` times. */
  declare public readonly deadLetterQueue: sqs.Queue;
  declare public readonly inboundFunction: nodejs.NodejsFunction;
  declare public readonly statusPollerFunction: nodejs.NodejsFunction;
  /** The EventBridge schedule that runs the poller. */
  declare public readonly pollSchedule: events.Rule;
  /** The rule set holding the fax rule (created, or the existing one named in props). */
  declare public readonly receiptRuleSet: ses.IReceiptRuleSet;
  declare public readonly receiptRuleSetName: string;
  declare public readonly receiptRule: ses.ReceiptRule;
  /** The SES domain identity, when `createDomainIdentity` is on. */
  declare public readonly domainIdentity?: ses.EmailIdentity;
  declare public readonly alarmTopic: sns.ITopic;
  declare public readonly alarms: GatewayAlarms['alarms'];
  /** The value of the MX record the fax domain needs: `10 inbound-smtp.<region>.amazonaws.com`. */
  declare public readonly mxRecordValue: string;
  /** The settings in effect, defaults applied. */
  public readonly settings: Readonly<FaxGatewaySettings>;

  constructor(scope: Construct, id: string, props: FaxGatewayProps) {
    super(scope, id);
    const settings = resolveProps(props);
    this.settings = settings;

    const stateful = createStatefulResources(this, settings, props.accessLogsBucket);
    const receiving = createReceiving(this, settings, stateful.mailBucket);
    const functions = createFunctions(this, settings, stateful);
    const alarms = createAlarms(
      this,
      settings,
      { ...functions, deadLetterQueue: stateful.deadLetterQueue },
      props.alarmTopic,
    );
    // The parts' resources are the construct's public members; `satisfies` checks none is missing.
    Object.assign(this, {
      ...stateful,
      ...receiving,
      ...functions,
      ...alarms,
    } satisfies Omit<FaxGateway, keyof Construct | 'settings'>);

    this.#acknowledgeNagFindings(Stack.of(this), settings);
  }

  // Each acknowledged cdk-nag (AwsSolutions) finding, on the one resource it concerns, with why.
  #acknowledgeNagFindings(stack: Stack, settings: FaxGatewaySettings): void {
    const bucketLogicalId = stack.getLogicalId(this.mailBucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.inboundFunction.role as iam.Role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${INBOUND_PREFIX}*]`,
      reason:
        'The inbound function reads the mail SES stored; object keys are SES message ids, unknown in advance, so the grant is s3:GetObject on the inbound/ prefix and nothing else.',
    });
    const prepared = `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${PREPARED_PREFIX}*]`;
    Validations.of(this.inboundFunction.role as iam.Role).acknowledge({
      id: prepared,
      reason:
        "The inbound function keeps each mail's prepared document for re-dials under prepared/<SES message id>.pdf, keys unknown in advance: s3:PutObject on that prefix only.",
    });
    Validations.of(this.statusPollerFunction.role as iam.Role).acknowledge({
      id: prepared,
      reason:
        'The status poller reads the prepared document of a mail to make a later attempt (a re-dial): s3:GetObject on the prepared/ prefix only.',
    });
    const basicExecution =
      'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';
    // CDK's singleton that configures the bucket's event notifications (Custom::S3BucketNotifications).
    const notificationsHandler = stack.node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    );
    if (notificationsHandler) {
      Validations.of(notificationsHandler).acknowledge({
        id: basicExecution,
        reason:
          'CDK-provided handler that writes the mail bucket notification configuration at deploy time; the managed policy only lets it write its own CloudWatch logs.',
      });
    }
    if (settings.activateRuleSet) {
      // The singleton provider's construct id is derived from this fixed UUID.
      const providerId = `AWS${customResources.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;
      const activationProvider = stack.node.tryFindChild(providerId);
      if (activationProvider) {
        Validations.of(activationProvider).acknowledge({
          id: basicExecution,
          reason:
            'CDK AwsCustomResource provider that activates the receipt rule set at deploy time; the managed policy only lets it write its own CloudWatch logs.',
        });
      }
      const activation = this.node.findChild('ActivateRuleSet');
      Validations.of(activation).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'ses:SetActiveReceiptRuleSet supports no resource-level permissions; the statement allows that single action and nothing else.',
      });
    }
  }
}
