/**
 * A loopback fake of the AWS Lambda `Invoke` API for end-to-end tests and benchmarks. It speaks
 * the REST-JSON wire protocol the real `@aws-sdk/client-lambda` uses
 * (`POST /2015-03-31/functions/{FunctionName}/invocations`), so the bundled handlers' follow-up
 * runs (an async `lambda:Invoke` of the function itself) reach it through
 * `AWS_ENDPOINT_URL_LAMBDA`.
 *
 * Only asynchronous invocations (`X-Amz-Invocation-Type: Event`) are accepted: they answer HTTP
 * 202 with an empty body, as Lambda does, and are queued here. The harness takes the queued
 * payloads ({@link LambdaEndpoint.take}) and runs them through the same handler, as Lambda would.
 * Signatures are not checked. Only Node built-ins are used.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, startLoopbackFake } from './loopback';

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export interface RecordedInvoke {
  /** `FunctionName` from the path, decoded (a name, an ARN or a partial ARN). */
  readonly functionName: string;
  /** `Qualifier` query parameter, if any. */
  readonly qualifier?: string;
  /** `X-Amz-Invocation-Type` ('RequestResponse' when absent, as in Lambda). */
  readonly invocationType: string;
  /** The raw request body. */
  readonly body: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly payload: unknown;
  readonly status: number;
  readonly errorCode?: string;
  readonly requestId: string;
}

export interface LambdaEndpointOptions {
  /**
   * Function names/ARNs that exist; an Invoke of any other answers 404 ResourceNotFoundException.
   * @default - every function exists
   */
  readonly functions?: readonly string[];
}

class LambdaError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class LambdaEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:49153`; pass as `AWS_ENDPOINT_URL_LAMBDA`. */
  readonly url: string;
  private readonly records: RecordedInvoke[] = [];
  /** Accepted async invocations not yet taken by the harness. */
  private queue: RecordedInvoke[] = [];
  private failures: Array<{ remaining: number; status: number; code: string }> = [];
  private functions: Set<string> | undefined;
  private closed = false;

  /** @internal use {@link startLambdaEndpoint}. */
  constructor(
    private readonly server: Server,
    options: LambdaEndpointOptions,
  ) {
    const addr = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${addr.port}`;
    this.setFunctions(options.functions);
  }

  /** Restrict the functions that exist (undefined: all). */
  setFunctions(functions: readonly string[] | undefined): void {
    this.functions = functions ? new Set(functions) : undefined;
  }

  /** Every Invoke received, in arrival order. */
  get requests(): readonly RecordedInvoke[] {
    return this.records;
  }

  /** Removes and returns the accepted async invocations that the harness has not run yet. */
  take(): RecordedInvoke[] {
    const out = this.queue;
    this.queue = [];
    return out;
  }

  /** The next `n` Invoke calls fail with `code` (e.g. 429 TooManyRequestsException). */
  failNext(n: number, code = 'TooManyRequestsException', status = 429): void {
    if (n > 0) this.failures.push({ remaining: n, status, code });
  }

  /** Forget recorded and queued invocations and injected failures. */
  reset(): void {
    this.records.length = 0;
    this.queue = [];
    this.failures = [];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeServer(this.server);
  }

  /** Refuses an unknown path, an injected fault, or a function the fake does not have. */
  private check(functionName: string | undefined, pathname: string, req: IncomingMessage): void {
    if (functionName === undefined) {
      throw new LambdaError(404, 'UnknownOperationException', `${req.method} ${pathname}`);
    }
    const failure = this.failures[0];
    if (failure) {
      failure.remaining--;
      if (failure.remaining <= 0) this.failures.shift();
      throw new LambdaError(failure.status, failure.code, `${failure.code} (injected fault)`);
    }
    if (this.functions && !this.functions.has(functionName)) {
      throw new LambdaError(
        404,
        'ResourceNotFoundException',
        `Function not found: ${functionName}`,
      );
    }
  }

  /** @internal */
  process(req: IncomingMessage, body: string, res: ServerResponse): void {
    const requestId = randomUUID();
    const [pathname, query = ''] = (req.url ?? '/').split('?');
    const match = INVOKE_PATH.exec(pathname);
    const functionName = match ? decodeURIComponent(match[1]) : '';
    const qualifier = new URLSearchParams(query).get('Qualifier') ?? undefined;
    const invocationType = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    let payload: unknown;
    try {
      payload = body === '' ? undefined : JSON.parse(body);
    } catch {
      payload = undefined;
    }
    let status = 202;
    let errorCode: string | undefined;
    let responseBody = '';
    try {
      this.check(req.method === 'POST' && match ? functionName : undefined, pathname, req);
      if (invocationType !== 'Event') {
        throw new LambdaError(
          400,
          'InvalidParameterValueException',
          `this fake only accepts InvocationType Event; got ${invocationType}`,
        );
      }
      if (payload === undefined && body !== '') {
        throw new LambdaError(400, 'InvalidRequestContentException', 'Could not parse payload');
      }
    } catch (caught) {
      const e =
        caught instanceof LambdaError
          ? caught
          : new LambdaError(500, 'ServiceException', String(caught));
      status = e.status;
      errorCode = e.code;
      responseBody = JSON.stringify({ Type: 'User', message: e.message });
    }
    const record: RecordedInvoke = {
      functionName,
      ...(qualifier !== undefined ? { qualifier } : {}),
      invocationType,
      body,
      payload,
      status,
      ...(errorCode !== undefined ? { errorCode } : {}),
      requestId,
    };
    this.records.push(record);
    if (status === 202) this.queue.push(record);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(responseBody),
      'x-amzn-RequestId': requestId,
      ...(errorCode !== undefined ? { 'x-amzn-ErrorType': errorCode } : {}),
    });
    res.end(responseBody);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Start a fake Lambda endpoint on 127.0.0.1 (random port). Call `close()` when done. */
export async function startLambdaEndpoint(
  options: LambdaEndpointOptions = {},
): Promise<LambdaEndpoint> {
  // The server comes first (the endpoint needs its address); requests reach the endpoint once built.
  return startLoopbackFake((server) => new LambdaEndpoint(server, options));
}
