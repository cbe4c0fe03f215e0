/**
 * The loopback DynamoDB, driven by the real `@aws-sdk/client-dynamodb`: the item operations and
 * expressions a conditional-write store uses (Powertools' idempotency layer first of all), the
 * documented errors, and the injected faults.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { startDynamoDbEndpoint, type DynamoDbEndpoint } from '../harness/dynamodb-endpoint';

const TABLE = 'deduplication';
let ddb: DynamoDbEndpoint;
const clients: DynamoDBClient[] = [];

function client(extra: Partial<DynamoDBClientConfig> = {}): DynamoDBClient {
  const c = new DynamoDBClient({
    endpoint: ddb.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
    ...extra,
  });
  clients.push(c);
  return c;
}

async function failure(
  p: Promise<unknown>,
): Promise<Error & { $metadata?: { attempts?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  ddb = await startDynamoDbEndpoint();
});
beforeEach(() => {
  ddb.reset();
  ddb.createTable({ name: TABLE, partitionKey: { name: 'id', type: 'S' } });
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await ddb.close();
});

/** Powertools' conditional put of an in-progress record (its DynamoDBPersistenceLayer, 2.35.0). */
function putInProgress(id: string, now: number, inProgressUntil: number) {
  return new PutItemCommand({
    TableName: TABLE,
    Item: {
      id: { S: id },
      expiration: { N: String(Math.round(now / 1000) + 86_400) },
      status: { S: 'INPROGRESS' },
      in_progress_expiration: { N: String(inProgressUntil) },
    },
    ExpressionAttributeNames: {
      '#id': 'id',
      '#expiry': 'expiration',
      '#in_progress_expiry': 'in_progress_expiration',
      '#status': 'status',
    },
    ExpressionAttributeValues: {
      ':now': { N: String(now / 1000) },
      ':now_in_millis': { N: String(now) },
      ':inprogress': { S: 'INPROGRESS' },
    },
    ConditionExpression:
      'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });
}

describe("Powertools' idempotency calls", () => {
  const now = Date.parse('2026-11-30T13:00:01Z');

  test('the conditional put succeeds once; the second fails with the existing item (ALL_OLD)', async () => {
    const c = client();
    await c.send(putInProgress('fn#key', now, now + 900_000));
    const e = await failure(c.send(putInProgress('fn#key', now + 5, now + 900_005)));
    expect(e).toBeInstanceOf(ConditionalCheckFailedException);
    expect((e as ConditionalCheckFailedException).Item).toEqual({
      id: { S: 'fn#key' },
      expiration: { N: String(Math.round(now / 1000) + 86_400) },
      status: { S: 'INPROGRESS' },
      in_progress_expiration: { N: String(now + 900_000) },
    });
    expect(ddb.items(TABLE)).toHaveLength(1);
  });

  test('an in-progress record whose deadline passed, or an expired record, is taken over', async () => {
    const c = client();
    await c.send(putInProgress('a', now, now + 1000));
    await c.send(putInProgress('a', now + 2000, now + 902_000));
    expect(ddb.items(TABLE)[0].in_progress_expiration).toEqual({ N: String(now + 902_000) });
    // A completed record is taken over only once it expired (24 h later).
    await c.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { id: { S: 'a' } },
        UpdateExpression:
          'SET #expiry = :expiry, #status = :status, #response_data = :response_data',
        ExpressionAttributeNames: {
          '#expiry': 'expiration',
          '#status': 'status',
          '#response_data': 'data',
        },
        ExpressionAttributeValues: {
          ':expiry': { N: String(Math.round(now / 1000) + 86_400) },
          ':status': { S: 'COMPLETED' },
          ':response_data': { M: { started: { N: '3' } } },
        },
      }),
    );
    const later = now + 3_600_000;
    expect(await failure(c.send(putInProgress('a', later, later + 900_000)))).toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    const nextDay = now + 86_401_000;
    await c.send(putInProgress('a', nextDay, nextDay + 900_000));
    expect(ddb.items(TABLE)[0].status).toEqual({ S: 'INPROGRESS' });
  });

  test('GetItem (strongly consistent) reads the record; DeleteItem removes it', async () => {
    const c = client();
    await c.send(putInProgress('b', now, now + 1000));
    const got = await c.send(
      new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'b' } }, ConsistentRead: true }),
    );
    expect(got.Item?.status).toEqual({ S: 'INPROGRESS' });
    await c.send(new DeleteItemCommand({ TableName: TABLE, Key: { id: { S: 'b' } } }));
    const gone = await c.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'b' } } }));
    expect(gone.Item).toBeUndefined();
    expect(ddb.requests.map((r) => r.operation)).toEqual([
      'PutItem',
      'GetItem',
      'DeleteItem',
      'GetItem',
    ]);
    expect(ddb.requests[1].params.ConsistentRead).toBe(true);
  });
});

describe('expressions', () => {
  const item: Record<string, AttributeValue> = {
    id: { S: 'k' },
    n: { N: '10' },
    s: { S: 'apple' },
    b: { BOOL: true },
    l: { L: [{ S: 'x' }, { N: '1' }] },
    ss: { SS: ['red', 'blue'] },
  };
  const values: Record<string, AttributeValue> = {
    ':nine': { N: '9' },
    ':ten': { N: '10' },
    ':eleven': { N: '11' },
    ':app': { S: 'app' },
    ':banana': { S: 'banana' },
    ':apple': { S: 'apple' },
    ':true': { BOOL: true },
    ':red': { S: 'red' },
    ':x': { S: 'x' },
    ':five': { N: '5' },
    ':S': { S: 'S' },
  };

  test.each([
    ['#n > :nine', true], // numbers by value: 10 > 9 although "10" < "9" as strings
    ['#n BETWEEN :nine AND :eleven', true],
    ['#n IN (:nine, :eleven)', false],
    ['#n IN (:nine, :ten)', true],
    ['#s < :banana', true],
    ['#s = :apple AND #b = :true', true],
    ['#s = :banana OR #n = :ten AND #b = :true', true], // AND binds tighter than OR
    ['(#s = :banana OR #n = :ten) AND NOT #b = :true', false],
    ['NOT #s = :banana', true],
    ['begins_with(#s, :app)', true],
    ['contains(#s, :app) AND contains(#ss, :red) AND contains(#l, :x)', true],
    ['size(#s) = :five', true],
    ['attribute_type(#s, :S)', true],
    ['attribute_exists(#missing)', false],
    ['attribute_not_exists(#missing)', true],
    ['#missing = :ten', false],
    ['#missing <> :ten', true],
    ['#missing < :ten', false],
    ['#s < :ten', false], // different types: false
    ['#s <> :ten', true],
  ])('%s is %s', async (expression, holds) => {
    const c = client();
    await c.send(new PutItemCommand({ TableName: TABLE, Item: item }));
    const names = Object.fromEntries(
      [...new Set(expression.match(/#\w+/g) ?? [])].map((n) => [n, n.slice(1)]),
    );
    const used = Object.fromEntries(
      Object.entries(values).filter(([k]) => new RegExp(`${k}\\b`).test(expression)),
    );
    const put = c.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: item,
        ConditionExpression: expression,
        ExpressionAttributeNames: names,
        ...(Object.keys(used).length > 0 ? { ExpressionAttributeValues: used } : {}),
      }),
    );
    if (holds) await put;
    else expect(await failure(put)).toBeInstanceOf(ConditionalCheckFailedException);
  });

  test('UpdateItem: SET with arithmetic and if_not_exists, REMOVE, on a new item (upsert); ALL_NEW', async () => {
    const c = client();
    const out = await c.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { id: { S: 'u' } },
        UpdateExpression: 'SET #c = if_not_exists(#c, :zero) + :one, tag = :t REMOVE gone',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':t': { S: 'x' } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(out.Attributes).toEqual({ id: { S: 'u' }, count: { N: '1' }, tag: { S: 'x' } });
  });
});

describe('errors', () => {
  test.each([
    [
      'a key of the wrong attribute',
      () => new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'x' } } }),
      /^The provided key element does not match the schema$/,
    ],
    [
      'an item without its key',
      () => new PutItemCommand({ TableName: TABLE, Item: { other: { S: 'x' } } }),
      /^One or more parameter values were invalid: Missing the key id in the item$/,
    ],
    [
      'a placeholder defined and not used',
      () =>
        new PutItemCommand({
          TableName: TABLE,
          Item: { id: { S: 'x' } },
          ConditionExpression: 'attribute_not_exists(id)',
          ExpressionAttributeValues: { ':v': { S: 'x' } },
        }),
      /^Value provided in ExpressionAttributeValues unused in expressions: keys: \{:v\}$/,
    ],
    [
      'a placeholder used and not defined',
      () =>
        new PutItemCommand({
          TableName: TABLE,
          Item: { id: { S: 'x' } },
          ConditionExpression: 'attribute_not_exists(#id)',
        }),
      /attribute name used in the document path is not defined; attribute name: #id$/,
    ],
    [
      'a syntax error',
      () =>
        new PutItemCommand({
          TableName: TABLE,
          Item: { id: { S: 'x' } },
          ConditionExpression: 'attribute_not_exists(id) AND',
        }),
      /^Invalid ConditionExpression: Syntax error; token: "<EOF>"/,
    ],
    [
      'an update of the key',
      () =>
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { id: { S: 'x' } },
          UpdateExpression: 'SET id = :v',
          ExpressionAttributeValues: { ':v': { S: 'y' } },
        }),
      /Cannot update attribute id. This attribute is part of the key$/,
    ],
    [
      'an item over 400 KB',
      () =>
        new PutItemCommand({
          TableName: TABLE,
          Item: { id: { S: 'x' }, data: { S: 'x'.repeat(410_000) } },
        }),
      /^Item size has exceeded the maximum allowed size$/,
    ],
    [
      'a nested path (not modelled)',
      () =>
        new PutItemCommand({
          TableName: TABLE,
          Item: { id: { S: 'x' } },
          ConditionExpression: 'attribute_not_exists(a.b)',
        }),
      /not modelled by this fake/,
    ],
  ])('%s is a ValidationException', async (_what, command, message) => {
    const c = client();
    const e = await failure(c.send(command() as PutItemCommand));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toMatch(message);
  });

  test('an unknown table is ResourceNotFoundException', async () => {
    const e = await failure(
      client().send(new GetItemCommand({ TableName: 'nope', Key: { id: { S: 'x' } } })),
    );
    expect(e.name).toBe('ResourceNotFoundException');
  });
});

describe('faults', () => {
  const get = () => new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'x' } } });

  test('throttled and unavailable answers are retried by the SDK; AccessDenied is not', async () => {
    ddb.injectFault({ kind: 'throttled', times: 2 });
    await client({ maxAttempts: 3 }).send(get());
    expect(ddb.requests.map((r) => r.errorType ?? r.status)).toEqual([
      'ProvisionedThroughputExceededException',
      'ProvisionedThroughputExceededException',
      200,
    ]);
    ddb.reset();
    ddb.createTable({ name: TABLE, partitionKey: { name: 'id', type: 'S' } });
    ddb.injectFault({ kind: 'unavailable' });
    const down = await failure(client({ maxAttempts: 2 }).send(get()));
    expect(down.name).toBe('InternalServerError');
    expect(down.$metadata?.attempts).toBe(2);
    ddb.reset();
    ddb.createTable({ name: TABLE, partitionKey: { name: 'id', type: 'S' } });
    ddb.injectFault({ kind: 'accessDenied', operations: ['GetItem'] });
    const denied = await failure(client({ maxAttempts: 3 }).send(get()));
    expect(denied.name).toBe('AccessDeniedException');
    expect(ddb.countCalls()).toBe(1);
  });

  test('a hung request times out; a lost answer still applied the write', async () => {
    const c = client({
      maxAttempts: 1,
      requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true },
    });
    ddb.injectFault({ kind: 'hang', times: 1 });
    expect((await failure(c.send(get()))).name).toBe('TimeoutError');
    ddb.injectFault({ kind: 'lostAnswer', operations: ['PutItem'], times: 1 });
    const put = new PutItemCommand({ TableName: TABLE, Item: { id: { S: 'x' }, v: { N: '1' } } });
    expect((await failure(c.send(put))).name).toBe('TimeoutError');
    const read = await c.send(get());
    expect(read.Item).toEqual({ id: { S: 'x' }, v: { N: '1' } });
  });
});
