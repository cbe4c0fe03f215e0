/**
 * The deduplication of deliveries (`lambda/deduplication/deduplication.ts`): the run's `handle` on the in-process
 * EC2, wrapped as the Lambda shell wraps it, with the store on the loopback DynamoDB reached
 * through the SDK's standard `AWS_ENDPOINT_URL_DYNAMODB`.
 */
import type { Context } from 'aws-lambda';
import {
  Deduplication,
  deliveryKey,
  type DeliveryMetrics,
} from '../lambda/deduplication/deduplication';
import { handle, RunFailedError, type RunSummary } from '../lambda/handle';
import type { SchedulerEvent } from '../lib/contract/schedule-input';
import { DEDUPLICATION_TABLE } from '../lib/common/shared-names';
import { startDynamoDbEndpoint, type DynamoDbEndpoint } from '../harness/dynamodb-endpoint';
import { InProcessEc2, VirtualClock } from '../harness/ec2/in-process';
import { captureLogger, depsFor, FIFTEEN_MINUTES, officeHoursEvent } from './support/runs';

const TABLE = 'Stack-SchedulerDeduplicationTable';
let ddb: DynamoDbEndpoint;
let fake: InProcessEc2;
const saved = { ...process.env };

beforeAll(async () => {
  ddb = await startDynamoDbEndpoint();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.url,
    AWS_LAMBDA_FUNCTION_NAME: 'Stack-StartFunction',
  });
});
beforeEach(() => {
  ddb.reset();
  ddb.createTable({
    name: TABLE,
    partitionKey: { name: DEDUPLICATION_TABLE.partitionKey, type: 'S' },
  });
  fake = new InProcessEc2(new VirtualClock());
});
afterEach(() => fake.restore());
afterAll(async () => {
  process.env = saved;
  await ddb.close();
});

/** Lambda's context as the store reads it: the time left counts down from `timeoutMs`. */
function contextOf(timeoutMs = FIFTEEN_MINUTES): Context {
  const deadline = Date.now() + timeoutMs;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as Context;
}

/** A function's execution environment: its store, log lines and metrics. */
function environment() {
  const logger = captureLogger();
  const counted: string[] = [];
  const metrics: DeliveryMetrics = { count: (name) => counted.push(name) };
  const store = new Deduplication({ tableName: TABLE, logger, metrics });
  return { store, logger, counted };
}

/** One delivery of `event`: the run as the Lambda shell runs it (`handle` on the in-process EC2). */
function deliver(
  env: ReturnType<typeof environment>,
  event: SchedulerEvent,
  options: { context?: Context; before?: () => Promise<void> } = {},
) {
  let ran = false;
  const run = async () => {
    ran = true;
    await options.before?.();
    return handle(event, event.action, depsFor(fake, FIFTEEN_MINUTES));
  };
  const result = env.store.once(event, options.context ?? contextOf(), run);
  return { result, ran: () => ran };
}

const started = () =>
  fake
    .actionCalls()
    .filter((c) => !c.error)
    .flatMap((c) => c.ids);
const messages = (env: ReturnType<typeof environment>) => env.logger.lines.map((l) => l.message);

test('the first delivery runs; a later duplicate returns the stored summary and makes no EC2 call', async () => {
  const ids = fake.add(30);
  const event = officeHoursEvent();
  const first = environment();
  const summary = (await deliver(first, event).result) as RunSummary;
  expect(summary).toMatchObject({ started: 30, failed: 0 });
  // One conditional put before the run, one update after it.
  expect(ddb.requests.map((r) => r.operation)).toEqual(['PutItem', 'UpdateItem']);
  const [record] = ddb.items(TABLE);
  expect(record.status).toEqual({ S: 'COMPLETED' });
  const expiry = Number((record.expiration as { N: string }).N);
  expect(expiry - Date.now() / 1000).toBeGreaterThan(86_400 - 60);
  expect(expiry - Date.now() / 1000).toBeLessThanOrEqual(86_400 + 1);

  const callsBefore = fake.calls.length;
  const later = environment();
  const duplicate = deliver(later, event);
  expect(await duplicate.result).toEqual(JSON.parse(JSON.stringify(summary)));
  expect(duplicate.ran()).toBe(false);
  expect(fake.calls.length).toBe(callsBefore);
  expect(started().sort()).toEqual(ids.sort());
  expect(later.counted).toEqual(['DuplicateDeliveries']);
  expect(messages(later)).toEqual([
    expect.stringMatching(/^duplicate delivery: this event already ran/),
  ]);
  expect(later.logger.lines[0].attributes?.deduplicationKey).toEqual({
    action: 'start',
    schedule: 'office-hours',
    scheduledTime: '2026-11-30T13:00:00.000Z',
    enforcement: false,
  });
});

test('a concurrent duplicate returns at once as a duplicate, without acting or failing', async () => {
  fake.add(30);
  const event = officeHoursEvent();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const first = environment();
  const running = deliver(first, event, { before: () => held });
  while (!running.ran()) await new Promise((r) => setTimeout(r, 5));

  const second = environment();
  const duplicate = deliver(second, event);
  expect(await duplicate.result).toEqual({
    duplicate: 'in progress',
    deduplicationKey: deliveryKey(event),
  });
  expect(duplicate.ran()).toBe(false);
  expect(second.counted).toEqual(['DuplicateDeliveries']);
  expect(second.logger.lines).toEqual([
    expect.objectContaining({
      level: 'info',
      message: 'duplicate delivery: another invocation is running this event; nothing done',
      attributes: { deduplicationKey: deliveryKey(event) },
    }),
  ]);
  release();
  expect(await running.result).toMatchObject({ started: 30 });
  expect(started()).toHaveLength(30);
});

test('a run that failed after reporting fails its invocation; its duplicate does not fail again', async () => {
  const [bad] = fake.add(5);
  fake.failInstance(bad, 'IncorrectInstanceState');
  const event = officeHoursEvent();
  const first = environment();
  const error = await deliver(first, event).result.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RunFailedError);
  expect(ddb.items(TABLE)[0].status).toEqual({ S: 'COMPLETED' });

  const calls = fake.calls.length;
  const later = environment();
  const summary = await deliver(later, event).result;
  expect(summary).toMatchObject({ started: 4, failed: 1 });
  expect(fake.calls.length).toBe(calls);
  expect(messages(later)).toEqual([
    expect.stringMatching(
      /already ran; nothing done. It failed, and the first delivery reported it: 1 instance\(s\) failed/,
    ),
  ]);
});

test('a run that throws an unreported fault leaves no record: its retry runs', async () => {
  const event = officeHoursEvent();
  const env = environment();
  const boom = env.store.once(event, contextOf(), () => Promise.reject(new Error('boom')));
  await expect(boom).rejects.toThrow(/^boom$/);
  expect(ddb.items(TABLE)).toEqual([]);
  fake.add(3);
  expect(await deliver(environment(), event).result).toMatchObject({ started: 3 });
});

test.each([
  ['unavailable (HTTP 500)', { kind: 'unavailable' } as const, /InternalServerError/],
  [
    'throttled past the retries',
    { kind: 'throttled' } as const,
    /ProvisionedThroughputExceeded|AbortError/,
  ],
  ['denied (AccessDenied)', { kind: 'accessDenied' } as const, /AccessDeniedException/],
  ['not answering', { kind: 'hang' } as const, /TimeoutError|AbortError/],
])(
  'the store %s before the run: the run still starts every instance, and says so',
  async (_what, fault, code) => {
    const ids = fake.add(50);
    ddb.injectFault(fault);
    const env = environment();
    const delivery = deliver(env, officeHoursEvent(), { context: contextOf(60_000) });
    expect(await delivery.result).toMatchObject({ started: 50, failed: 0 });
    expect(started().sort()).toEqual(ids.sort());
    expect(env.counted).toEqual(['DeduplicationUnavailable', 'DeduplicationUnavailable']);
    const lines = env.logger.lines.filter((l) => l.level === 'error');
    expect(lines.map((l) => l.message)).toEqual([
      'deduplication store unavailable; running without it (a duplicate delivery may run as well)',
      'deduplication: could not record the run as done; a duplicate delivered later may run it again',
    ]);
    expect(lines[0].attributes?.errorCode).toMatch(code);
    // The SDK's standard retry, with few attempts: never more than 3 calls before the run.
    expect(ddb.requests.filter((r) => r.operation === 'PutItem').length).toBeLessThanOrEqual(3);
  },
);

test('a conditional put whose answer was lost is retried, finds its own record, and still runs', async () => {
  fake.add(10);
  ddb.injectFault({ kind: 'lostAnswer', operations: ['PutItem'], times: 1 });
  const env = environment();
  expect(await deliver(env, officeHoursEvent()).result).toMatchObject({ started: 10 });
  expect(ddb.requests.map((r) => `${r.operation} ${r.errorType ?? r.status}`)).toEqual([
    'PutItem LostAnswer',
    'PutItem ConditionalCheckFailedException',
    'UpdateItem 200',
  ]);
  expect(env.counted).toEqual(['DeduplicationUnavailable']);
});

test('a run whose invocation crashed does not block its retry past its deadline', async () => {
  const event = officeHoursEvent();
  // The first delivery's invocation has 50 ms, and is killed in its run (it never goes on): its
  // in-progress record expires with it.
  const crashed = deliver(environment(), event, {
    context: contextOf(50),
    before: () => new Promise<void>(() => undefined),
  });
  while (!crashed.ran()) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 80));
  fake.add(4);
  const retry = deliver(environment(), event);
  expect(await retry.result).toMatchObject({ started: 4 });
  expect(retry.ran()).toBe(true);
});

test('an event without a scheduled time (invoked by hand) is not deduplicated', async () => {
  fake.add(2);
  const event = officeHoursEvent({ scheduledTime: undefined });
  expect(deliveryKey(event)).toBeUndefined();
  await deliver(environment(), event).result;
  const again = deliver(environment(), event);
  await again.result;
  expect(again.ran()).toBe(true);
  expect(ddb.requests).toEqual([]);
});

test("follow-ups, targets and enforcement checks have keys of their own; the schedule's runs share one", () => {
  const start = officeHoursEvent();
  const followUp = { attempt: 1, notAfter: '2026-11-30T22:00:00Z' };
  const keys = [
    start,
    officeHoursEvent({ followUp }),
    officeHoursEvent({ followUp: { ...followUp, attempt: 2 } }),
    officeHoursEvent({ followUp, target: { account: '111122223333', region: 'eu-west-1' } }),
    officeHoursEvent({ followUp, target: { account: '111122223333', region: 'us-east-1' } }),
    officeHoursEvent({ action: 'stop' }),
    officeHoursEvent({
      action: 'stop',
      enforce: { starts: ['cron(0 8 ? * MON-FRI *)'], stops: ['cron(0 17 ? * MON-FRI *)'] },
    }),
    officeHoursEvent({ scheduledTime: '2026-12-01T13:00:00.000Z' }),
  ].map((e) => JSON.stringify(deliveryKey(e)));
  expect(new Set(keys).size).toBe(keys.length);
  // What does not name the run does not change its key (e.g. a follow-up's carried state).
  expect(deliveryKey(officeHoursEvent({ dryRun: true, skipDates: ['2026-12-25'] }))).toEqual(
    deliveryKey(start),
  );
});
