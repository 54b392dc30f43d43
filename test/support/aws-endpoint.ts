// A small loopback endpoint that answers one AWS API as the real service does on the wire, for the
// APIs that have no embedded stand-in (CloudFormation, SES, SNS, CloudWatch: query protocol with XML
// answers; SQS and SSM: JSON 1.0/1.1; SESv2 and Lambda: REST-JSON). The real SDK clients talk to
// it over HTTP with an endpoint override; the answers follow the shapes AWS documents and returns.

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwsRequest {
  /** The operation: Action= (query), X-Amz-Target's part after the dot (JSON), or "METHOD /path" (REST). */
  action: string;
  /** Query parameters (query protocol), the JSON body (JSON and REST), as received. */
  params: Record<string, unknown>;
  path: string;
  method: string;
}

export interface AwsAnswer {
  status?: number;
  /** An XML result body (query protocol) or a JSON value. */
  body: string | unknown;
  /** Headers the API sets besides the content type (Lambda's X-Amz-Function-Error). */
  headers?: Record<string, string>;
}

export type AwsHandler = (request: AwsRequest) => AwsAnswer | Promise<AwsAnswer>;

export interface AwsEndpoint {
  url: string;
  requests: AwsRequest[];
  close(): Promise<void>;
}

const requestId = '7a62c49f-347e-4fc4-9331-6e8eEXAMPLE';

/** A query-protocol success: `<ActionResponse><ActionResult>inner</ActionResult>...`. */
export function queryResult(action: string, inner: string, xmlns: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<${action}Response xmlns="${xmlns}">
  <${action}Result>${inner}</${action}Result>
  <ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>
</${action}Response>`;
}

/** A query-protocol error as AWS sends it (HTTP 400). */
export function queryError(code: string, message: string): AwsAnswer {
  return {
    status: 400,
    body: `<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** A JSON-protocol error (`__type` as the service writes it). */
export function jsonError(type: string, message: string, status = 400): AwsAnswer {
  return { status, body: { __type: type, message } };
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startAwsEndpoint(handler: AwsHandler): Promise<AwsEndpoint> {
  const requests: AwsRequest[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const text = await bodyOf(request);
      const url = new URL(request.url ?? '/', 'http://localhost');
      const target = request.headers['x-amz-target'];
      const contentType = String(request.headers['content-type'] ?? '');
      let parsed: AwsRequest;
      let kind: 'query' | 'json' | 'rest';
      if (typeof target === 'string') {
        kind = 'json';
        parsed = {
          action: target.split('.').pop() ?? target,
          params: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          path: url.pathname,
          method: request.method ?? 'POST',
        };
      } else if (contentType.startsWith('application/x-www-form-urlencoded')) {
        kind = 'query';
        const form = Object.fromEntries(new URLSearchParams(text));
        parsed = { action: String(form.Action), params: form, path: url.pathname, method: 'POST' };
      } else {
        kind = 'rest';
        let params: Record<string, unknown> = Object.fromEntries(url.searchParams);
        if (text) {
          try {
            params = { ...params, ...(JSON.parse(text) as Record<string, unknown>) };
          } catch {
            params = { ...params, body: text };
          }
        }
        parsed = {
          action: `${request.method} ${url.pathname}`,
          params,
          path: url.pathname,
          method: request.method ?? 'GET',
        };
      }
      requests.push(parsed);
      let answer: AwsAnswer;
      try {
        answer = await handler(parsed);
      } catch (error) {
        answer = { status: 500, body: { __type: 'InternalFailure', message: String(error) } };
      }
      const isXml = typeof answer.body === 'string' && answer.body.startsWith('<');
      const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
      const headers: Record<string, string> = {
        'content-type': isXml
          ? 'text/xml'
          : kind === 'json'
            ? `application/x-amz-json-${String(request.headers['content-type']).includes('1.0') ? '1.0' : '1.1'}`
            : 'application/json',
        'x-amzn-requestid': requestId,
      };
      // REST-JSON errors carry their type in a header as well.
      const type = (answer.body as { __type?: string } | undefined)?.__type;
      if (!isXml && type && (answer.status ?? 200) >= 400) headers['x-amzn-errortype'] = type;
      Object.assign(headers, answer.headers);
      response.writeHead(answer.status ?? 200, headers);
      response.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** CloudFormation DescribeStacks for one stack with these outputs; any other name does not exist. */
export function cloudFormationWith(stackName: string, outputs: Record<string, string>): AwsHandler {
  return (request) => {
    if (request.action !== 'DescribeStacks') return queryError('InvalidAction', request.action);
    if (request.params.StackName !== stackName) {
      return queryError(
        'ValidationError',
        `Stack with id ${String(request.params.StackName)} does not exist`,
      );
    }
    const members = Object.entries(outputs)
      .map(
        ([key, value]) =>
          `<member><OutputKey>${key}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue></member>`,
      )
      .join('');
    return {
      body: queryResult(
        'DescribeStacks',
        `<Stacks><member><StackName>${stackName}</StackName><StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/${stackName}/5b9a1f30-0000-11ef-0000-0a1b2c3d4e5f</StackId><CreationTime>2026-11-30T10:00:00.000Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks>`,
        'http://cloudformation.amazonaws.com/doc/2010-05-15/',
      ),
    };
  };
}

export interface SqsStandInMessage {
  body: string;
  /** Receives before this one (SQS's ApproximateReceiveCount counts on from it). */
  receiveCount?: number;
  /** When the queue first received it (epoch ms). */
  firstReceivedAt?: number;
}

/**
 * One SQS queue on the JSON protocol (AmazonSQS.*): ReceiveMessage hides what it returns for the
 * visibility timeout and answers MD5OfBody as SQS does (the SDK checks it),
 * ChangeMessageVisibilityBatch and DeleteMessage take the receipt handle of the latest receive,
 * PurgeQueue empties the queue.
 */
export function sqsQueueWith(
  queueUrl: string,
  seed: SqsStandInMessage[],
): AwsHandler & { messages: () => { id: string; body: string }[] } {
  let handles = 0;
  const queue = seed.map((m, i) => ({
    id: `5fea7756-0ea4-451a-a703-a558b933e27${i}`,
    body: m.body,
    receiveCount: m.receiveCount ?? 0,
    firstReceivedAt: m.firstReceivedAt ?? Date.UTC(2026, 11, 1, 9, 0, 0),
    hiddenUntil: 0,
    handle: '',
  }));
  const handler: AwsHandler = (request) => {
    if (request.params.QueueUrl !== queueUrl) {
      return jsonError('com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.');
    }
    const now = Date.now();
    switch (request.action) {
      case 'ReceiveMessage': {
        const max = Number(request.params.MaxNumberOfMessages ?? 1);
        const visibility = Number(request.params.VisibilityTimeout ?? 30);
        const visible = queue.filter((m) => m.hiddenUntil <= now).slice(0, max);
        for (const m of visible) {
          m.receiveCount += 1;
          m.hiddenUntil = now + visibility * 1000;
          m.handle = `AQEB${Buffer.from(`${m.id}#${++handles}`).toString('base64')}`;
        }
        return {
          body: visible.length
            ? {
                Messages: visible.map((m) => ({
                  MessageId: m.id,
                  ReceiptHandle: m.handle,
                  MD5OfBody: createHash('md5').update(m.body).digest('hex'),
                  Body: m.body,
                  Attributes: {
                    ApproximateReceiveCount: String(m.receiveCount),
                    SentTimestamp: String(m.firstReceivedAt),
                    ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
                    SenderId: 'AROAEXAMPLE',
                  },
                })),
              }
            : {},
        };
      }
      case 'DeleteMessage': {
        const index = queue.findIndex((m) => m.handle && m.handle === request.params.ReceiptHandle);
        if (index < 0) {
          return jsonError('com.amazonaws.sqs#ReceiptHandleIsInvalid', 'The receipt handle is not valid.');
        }
        queue.splice(index, 1);
        return { body: {} };
      }
      case 'ChangeMessageVisibilityBatch': {
        const entries = (request.params.Entries ?? []) as {
          Id: string;
          ReceiptHandle: string;
          VisibilityTimeout: number;
        }[];
        const successful: { Id: string }[] = [];
        const failed: { Id: string; Code: string; SenderFault: boolean; Message: string }[] = [];
        for (const entry of entries) {
          const message = queue.find((m) => m.handle && m.handle === entry.ReceiptHandle);
          if (!message) {
            failed.push({
              Id: entry.Id,
              Code: 'ReceiptHandleIsInvalid',
              SenderFault: true,
              Message: 'The receipt handle is not valid.',
            });
            continue;
          }
          message.hiddenUntil = now + Number(entry.VisibilityTimeout) * 1000;
          successful.push({ Id: entry.Id });
        }
        return { body: { Successful: successful, Failed: failed } };
      }
      case 'PurgeQueue':
        queue.splice(0);
        return { body: {} };
      default:
        return jsonError('com.amazonaws.sqs#InvalidAction', `${request.action} is not answered here`);
    }
  };
  return Object.assign(handler, { messages: () => queue.map(({ id, body }) => ({ id, body })) });
}
