// One of the deployed stack's functions, invoked by the admin command (redrive, resend): named by
// the stack's output, called with RequestResponse, its answer read back.

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type Target, UnreachableError } from './target.ts';

export interface FunctionAnswer {
  /** The function's return value as text ('' when none). */
  payload: string;
  /** Set when the function threw (Lambda's `Unhandled` and the like). */
  functionError?: string;
}

/** Invokes the function the stack output `output` names with `event(region)` and waits for it. */
export async function invokeStackFunction(
  target: Target,
  output: 'InboundFunctionName' | 'StatusPollerFunctionName',
  event: (region: string) => unknown,
): Promise<FunctionAnswer> {
  const functionName = await target.output(output);
  if (!functionName) {
    throw new UnreachableError(
      `The ${target.where} has no ${output} output: deploy this version of faxgate.`,
    );
  }
  const client = new LambdaClient(target.clientConfig('lambda'));
  try {
    const region = String(await client.config.region());
    const answer = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(event(region))),
      }),
    );
    const payload = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
    return { payload, ...(answer.FunctionError ? { functionError: answer.FunctionError } : {}) };
  } finally {
    client.destroy();
  }
}
