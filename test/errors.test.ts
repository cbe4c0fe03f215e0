import { DescribeInstancesCommand, EC2Client, StartInstancesCommand } from '@aws-sdk/client-ec2';
import { ActionRetryStrategy, callOptions } from '../lambda/run/clients';
import { capacityShortfall, namedInstances } from '../lambda/ec2/instance-errors';
import { errorCode, isTransientFault } from '../lambda/run/errors';
import { isolate } from '../lambda/ec2/isolate';
import { instanceIdFor, makeInstances, startEc2Endpoint, type Ec2Endpoint } from '../harness/ec2';

/** An error shaped as the AWS SDK throws it. */
const sdkError = (fields: Record<string, unknown>) =>
  Object.assign(new Error(String(fields.message ?? '')), fields);

describe('errorCode: a readable code for every answer', () => {
  test.each<[string, unknown, string]>([
    [
      'an EC2 error',
      sdkError({ name: 'IncorrectInstanceState', Code: 'IncorrectInstanceState' }),
      'IncorrectInstanceState',
    ],
    [
      'an HTML 502 from a proxy',
      sdkError({ name: 'Unknown', message: 'Unknown', $metadata: { httpStatusCode: 502 } }),
      'HttpError502',
    ],
    [
      'an HTML 502 read as JSON',
      sdkError({ name: 'SyntaxError', $metadata: { httpStatusCode: 502 } }),
      'HttpError502',
    ],
    [
      'XML cut short on a 200',
      sdkError({
        name: 'Error',
        message: '@aws-sdk XML parse error',
        $metadata: { httpStatusCode: 200 },
      }),
      'MalformedResponse',
    ],
    ['a request timeout', sdkError({ name: 'TimeoutError', code: 'ETIMEDOUT' }), 'TimeoutError'],
    ['a reset connection', sdkError({ name: 'Error', code: 'ECONNRESET' }), 'ECONNRESET'],
    ['anything else', new Error('boom'), 'Error'],
  ])('%s', (_name, err, code) => {
    expect(errorCode(err)).toBe(code);
  });
});

describe('isTransientFault: what is worth sending again as it was', () => {
  test.each<[string, unknown, boolean]>([
    [
      'InternalError',
      sdkError({ name: 'InternalError', $metadata: { httpStatusCode: 500 } }),
      true,
    ],
    ['Unavailable', sdkError({ name: 'Unavailable', $metadata: { httpStatusCode: 503 } }), true],
    [
      'a 502 without a code',
      sdkError({ name: 'Unknown', $metadata: { httpStatusCode: 502 } }),
      true,
    ],
    ['a request timeout', sdkError({ name: 'TimeoutError', code: 'ETIMEDOUT' }), true],
    ['a reset connection', sdkError({ name: 'Error', code: 'ECONNRESET' }), true],
    [
      'InsufficientInstanceCapacity (HTTP 500)',
      sdkError({ name: 'InsufficientInstanceCapacity', $metadata: { httpStatusCode: 500 } }),
      false,
    ],
    [
      'IncorrectInstanceState',
      sdkError({ name: 'IncorrectInstanceState', $metadata: { httpStatusCode: 400 } }),
      false,
    ],
    ['the deadline', sdkError({ name: 'AbortError' }), false],
    [
      'malformed XML on a 200',
      sdkError({ name: 'Error', $metadata: { httpStatusCode: 200 } }),
      false,
    ],
  ])('%s', (_name, err, transient) => {
    expect(isTransientFault(err)).toBe(transient);
  });
});

describe('what an error names', () => {
  const ids = ['i-0123456789abcdef0', 'i-0123456789abcdef1', 'i-12345678'];

  test('instance ids in the message, among those of the call', () => {
    const err = sdkError({
      name: 'InvalidInstanceID.NotFound',
      message: "The instance IDs 'i-0123456789abcdef1, i-12345678, i-99999999' do not exist",
    });
    expect(namedInstances(err, ids)).toEqual(['i-0123456789abcdef1', 'i-12345678']);
  });

  test('the instance type and zone of an InsufficientInstanceCapacity', () => {
    const err = sdkError({
      name: 'InsufficientInstanceCapacity',
      message:
        'We currently do not have sufficient m5.large capacity in the Availability Zone you requested (us-east-1b). Our system will be working on provisioning additional capacity.',
    });
    expect(capacityShortfall(err)).toEqual({ type: 'm5.large', zone: 'us-east-1b' });
    expect(
      capacityShortfall(
        sdkError({ name: 'InsufficientInstanceCapacity', message: 'Insufficient capacity.' }),
      ),
    ).toBeUndefined();
  });

  test('isolate: named ids settle at once, a capacity shortfall sets its type and zone apart, anything else is searched', () => {
    const placement = (id: string) =>
      id === ids[2]
        ? { type: 'p5.48xlarge', zone: 'us-east-1a' }
        : { type: 't3.micro', zone: 'us-east-1a' };
    const named = sdkError({
      name: 'IncorrectInstanceState',
      message: `The instance '${ids[1]}' is not in a state from which it can be started.`,
    });
    expect(isolate(named, ids, placement)).toEqual({
      settle: [ids[1]],
      resend: [[ids[0], ids[2]]],
      search: [],
    });
    const ice = sdkError({
      name: 'InsufficientInstanceCapacity',
      message:
        'We currently do not have sufficient p5.48xlarge capacity in the Availability Zone you requested (us-east-1a).',
    });
    expect(isolate(ice, ids, placement)).toEqual({
      settle: [],
      resend: [[ids[0], ids[1]], [ids[2]]],
      search: [],
    });
    expect(isolate(new Error('?'), ids, placement)).toEqual({
      settle: [],
      resend: [],
      search: ids,
    });
    expect(isolate(new Error('?'), [ids[0]], placement)).toEqual({
      settle: [ids[0]],
      resend: [],
      search: [],
    });
  });
});

describe('the StartInstances/StopInstances client against the loopback EC2 endpoint', () => {
  let ep: Ec2Endpoint;
  const client = () =>
    new EC2Client({
      region: 'us-east-1',
      endpoint: ep.url,
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'secret' },
      retryStrategy: new ActionRetryStrategy(4),
      requestHandler: { connectionTimeout: 1000, throwOnRequestTimeout: true },
    });

  beforeAll(async () => {
    ep = await startEc2Endpoint();
  });
  beforeEach(() => {
    ep.reset();
    ep.addInstances(makeInstances(2, { state: 'stopped' }));
  });
  afterAll(() => ep.close());

  test('InsufficientInstanceCapacity (HTTP 500) goes back to the run at once, with one attempt', async () => {
    ep.failInstance(instanceIdFor(1), 'InsufficientInstanceCapacity');
    const err = await client()
      .send(new StartInstancesCommand({ InstanceIds: [instanceIdFor(1)] }))
      .catch((e: { name: string; $metadata: { attempts: number } }) => e);
    expect(err).toMatchObject({ name: 'InsufficientInstanceCapacity', $metadata: { attempts: 1 } });
    expect(ep.countCalls('StartInstances')).toBe(1);
  });

  test('InternalError is retried, and the attempts are reported for the pacer', async () => {
    ep.injectFault({ action: 'StartInstances', times: 2, respond: { code: 'InternalError' } });
    const out = await client().send(new StartInstancesCommand({ InstanceIds: [instanceIdFor(1)] }));
    expect(out.$metadata.attempts).toBe(3);
  });

  test('a hung call ends at the per-call request timeout and is retried', async () => {
    ep.injectFault({ action: 'StartInstances', times: 1, respond: 'hang' });
    const out = await client().send(
      new StartInstancesCommand({ InstanceIds: [instanceIdFor(2)] }),
      {
        requestTimeout: 200,
      },
    );
    expect(out.$metadata.attempts).toBe(2);
    expect(ep.requests.map((r) => r.status)).toEqual([0, 200]);
  });

  test('callOptions: a third of the time left, between 2 and 20 s, never past the deadline', () => {
    expect(callOptions(900_000).requestTimeout).toBe(20_000);
    expect(callOptions(30_000).requestTimeout).toBe(10_000);
    expect(callOptions(3_000).requestTimeout).toBe(2_000);
    expect(callOptions(500).requestTimeout).toBe(500);
    expect(callOptions(500).abortSignal).toBeDefined();
  });

  test('DescribeInstances with more than 200 filter values is refused, as EC2 refuses it', async () => {
    const err = await client()
      .send(
        new DescribeInstancesCommand({
          Filters: [
            {
              Name: 'instance-id',
              Values: Array.from({ length: 201 }, (_, k) => instanceIdFor(k + 1)),
            },
          ],
        }),
      )
      .catch((e: { name: string }) => e);
    expect(err).toMatchObject({ name: 'FilterLimitExceeded' });
  });
});
