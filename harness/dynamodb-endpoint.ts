/**
 * A loopback fake of Amazon DynamoDB for the item operations a conditional-write store uses
 * (Powertools' idempotency persistence layer): PutItem, GetItem, UpdateItem and DeleteItem, on the
 * wire protocol `@aws-sdk/client-dynamodb` speaks (AWS JSON 1.0: `POST /`,
 * `X-Amz-Target: DynamoDB_20120810.<Operation>`), reached through `AWS_ENDPOINT_URL_DYNAMODB`.
 *
 * Written from the DynamoDB API Reference: tables with a partition key (and optional sort key),
 * `ConditionExpression` / `UpdateExpression` with `ExpressionAttributeNames` and
 * `ExpressionAttributeValues` (see `dynamodb-expressions.ts`), `ReturnValues`,
 * `ReturnValuesOnConditionCheckFailure: ALL_OLD`, and the documented errors:
 * ConditionalCheckFailedException (with the item when ALL_OLD is asked), ValidationException
 * (key schema, unused or undefined placeholders, the 400 KB item limit, syntax),
 * ResourceNotFoundException, ProvisionedThroughputExceededException / ThrottlingException,
 * AccessDeniedException and InternalServerError (the last three by injected faults). Every read
 * is strongly consistent (one copy); TTL deletes nothing (DynamoDB deletes expired items only
 * eventually; a store must check the expiry itself). Signatures are not checked, only the
 * credential scope's service; answers carry no `Date` header (see `process`). Injected faults: an error answer, or no answer at all (`hang`), or
 * the operation applied and its answer lost (`lostAnswer`).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  AwsJsonError,
  checkCredentialScope,
  parseJsonBody,
  sendJson,
  targetOperation,
} from './aws-json';
import {
  applyUpdate,
  DynamoDbError,
  evaluate,
  parseCondition,
  parseUpdate,
  placeholdersOf,
  typeOf,
  validation,
  type AttributeValue,
  type Item,
  type Scope,
} from './dynamodb-expressions';
import { closeServer, startLoopbackFake } from './loopback';

export type { AttributeValue, Item } from './dynamodb-expressions';

const TARGET_PREFIX = 'DynamoDB_20120810';
const NAMESPACE = 'com.amazonaws.dynamodb.v20120810';
/** DynamoDB's item size limit, names and values together. */
export const MAX_ITEM_BYTES = 400 * 1024;

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

export interface TableDefinition {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export type DynamoDbOperation = 'PutItem' | 'GetItem' | 'UpdateItem' | 'DeleteItem';
const OPERATIONS: readonly string[] = ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem'];
/** The parameters every modelled write takes besides its item or key. */
const WRITE_PARAMETERS = [
  'TableName',
  'ConditionExpression',
  'ExpressionAttributeNames',
  'ExpressionAttributeValues',
  'ReturnValues',
  'ReturnValuesOnConditionCheckFailure',
  'ReturnConsumedCapacity',
];

/** An injected fault: what the next matching requests get instead of their answer. */
export interface DynamoDbFault {
  /**
   * unavailable: HTTP 500 InternalServerError; throttled: HTTP 400
   * ProvisionedThroughputExceededException (or `code`); accessDenied: HTTP 400
   * AccessDeniedException; hang: no answer, ever; lostAnswer: the operation is applied, its answer
   * never sent (the write landed, the caller cannot know).
   */
  readonly kind: 'unavailable' | 'throttled' | 'accessDenied' | 'hang' | 'lostAnswer';
  /** Only these operations. Default: all. */
  readonly operations?: readonly DynamoDbOperation[];
  /** How many matching requests. Default: all of them until reset. */
  readonly times?: number;
  /** For throttled: `ThrottlingException` instead. */
  readonly code?: 'ProvisionedThroughputExceededException' | 'ThrottlingException';
}

export interface RecordedDynamoDbRequest {
  readonly operation: string;
  readonly table?: string;
  /** The request body, parsed. */
  readonly params: Readonly<Record<string, unknown>>;
  /** 0 for a request never answered. */
  readonly status: number;
  readonly errorType?: string;
  /** Milliseconds since the endpoint started, at arrival. */
  readonly at: number;
}

interface Table {
  readonly definition: TableDefinition;
  readonly items: Map<string, Item>;
}

export class DynamoDbEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:49153`; pass as `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly url: string;
  /** Artificial delay before each answer (settable at any time). */
  latencyMs = 0;
  private readonly tables = new Map<string, Table>();
  private readonly records: RecordedDynamoDbRequest[] = [];
  private faults: Array<{ fault: DynamoDbFault; remaining: number }> = [];
  private readonly hung = new Set<ServerResponse>();
  private readonly startedAt = performance.now();
  private closed = false;

  /** @internal use {@link startDynamoDbEndpoint}. */
  constructor(private readonly server: Server) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Creates a table (empty). */
  createTable(definition: TableDefinition): void {
    this.tables.set(definition.name, { definition, items: new Map() });
  }

  /** The items of a table, in insertion order. */
  items(table: string): Item[] {
    return [...(this.tables.get(table)?.items.values() ?? [])];
  }

  /** Every request received, in arrival order. */
  get requests(): readonly RecordedDynamoDbRequest[] {
    return this.records;
  }

  /** Requests of one operation (all, without). */
  countCalls(operation?: DynamoDbOperation): number {
    return this.records.filter((r) => operation === undefined || r.operation === operation).length;
  }

  injectFault(fault: DynamoDbFault): void {
    this.faults.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  /** Empties every table; forgets requests and faults; drops requests held open. */
  reset(): void {
    for (const t of this.tables.values()) t.items.clear();
    this.records.length = 0;
    this.faults = [];
    this.releaseHung();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.releaseHung();
    await closeServer(this.server);
  }

  /** @internal */
  async process(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const at = performance.now() - this.startedAt;
    const operation = targetOperation(req, TARGET_PREFIX);
    let params: Record<string, unknown> = {};
    const record = (status: number, errorType?: string) =>
      this.records.push({
        operation,
        ...(typeof params.TableName === 'string' ? { table: params.TableName } : {}),
        params,
        status,
        ...(errorType ? { errorType } : {}),
        at,
      });
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (this.closed) return void res.destroy();
    let status = 200;
    let payload: unknown;
    let errorType: string | undefined;
    try {
      checkCredentialScope(req, 'dynamodb', false);
      params = parseJsonBody(body);
      const fault = this.takeFault(operation);
      if (fault?.kind === 'hang' || fault?.kind === 'lostAnswer') {
        if (fault.kind === 'lostAnswer') this.answer(operation, params);
        record(0, fault.kind === 'hang' ? 'Hang' : 'LostAnswer');
        this.hung.add(res);
        res.once('close', () => this.hung.delete(res));
        return;
      }
      if (fault) throw faultError(fault, operation, params);
      payload = this.answer(operation, params);
    } catch (caught) {
      const e = asDynamoDbError(caught);
      status = e.status;
      errorType = e.type;
      payload = { __type: qualified(e.type), message: e.message, ...e.extra };
    }
    record(status, errorType);
    // No Date header: the harness shifts the functions' clocks to the schedule's time, and the
    // SDK would take the difference for clock skew and send every failed call once more.
    res.sendDate = false;
    sendJson(res, '1.0', status, payload);
  }

  private takeFault(operation: string): DynamoDbFault | undefined {
    const entry = this.faults.find(
      (f) => !f.fault.operations || f.fault.operations.includes(operation as DynamoDbOperation),
    );
    if (!entry) return undefined;
    if (--entry.remaining <= 0) this.faults.splice(this.faults.indexOf(entry), 1);
    return entry.fault;
  }

  private answer(operation: string, params: Record<string, unknown>): unknown {
    if (!OPERATIONS.includes(operation)) {
      throw new DynamoDbError(
        'UnknownOperationException',
        `${operation || '(none)'} is not an operation of this fake`,
      );
    }
    const table = this.table(params.TableName);
    if (operation === 'GetItem') return this.getItem(table, params);
    if (operation === 'PutItem') return this.putItem(table, params);
    if (operation === 'UpdateItem') return this.updateItem(table, params);
    return this.deleteItem(table, params);
  }

  private table(name: unknown): Table {
    if (typeof name !== 'string' || name.length < 3 || name.length > 255) {
      throw validation(
        `1 validation error detected: Value '${String(name)}' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3`,
      );
    }
    const table = this.tables.get(name);
    if (!table) {
      throw new DynamoDbError(
        'ResourceNotFoundException',
        `Requested resource not found: Table: ${name} not found`,
      );
    }
    return table;
  }

  private getItem(table: Table, params: Record<string, unknown>): unknown {
    allowOnly(params, [
      'TableName',
      'Key',
      'ConsistentRead',
      'ProjectionExpression',
      'ExpressionAttributeNames',
      'ReturnConsumedCapacity',
    ]);
    const item = table.items.get(keyOf(table, params.Key, 'key'));
    if (params.ProjectionExpression !== undefined) {
      const names = expressionNames(params, []);
      const wanted = String(params.ProjectionExpression)
        .split(',')
        .map((p) => p.trim())
        .map((p) => (p.startsWith('#') ? (names[p] ?? p) : p));
      return item
        ? { Item: Object.fromEntries(Object.entries(item).filter(([k]) => wanted.includes(k))) }
        : {};
    }
    return item ? { Item: item } : {};
  }

  private putItem(table: Table, params: Record<string, unknown>): unknown {
    allowOnly(params, ['Item', ...WRITE_PARAMETERS]);
    const item = itemOf(params.Item);
    const key = keyOf(table, keyAttributes(table, item), 'item');
    returnValues(params, ['NONE', 'ALL_OLD'], 'ReturnValues can only be ALL_OLD or NONE');
    const old = table.items.get(key);
    this.check(params, old, null);
    checkSize(item);
    table.items.set(key, item);
    return params.ReturnValues === 'ALL_OLD' && old ? { Attributes: old } : {};
  }

  private updateItem(table: Table, params: Record<string, unknown>): unknown {
    allowOnly(params, ['Key', 'UpdateExpression', ...WRITE_PARAMETERS]);
    const key = keyOf(table, params.Key, 'key');
    if (typeof params.UpdateExpression !== 'string') {
      throw validation(
        'the legacy AttributeUpdates parameter is not modelled; give an UpdateExpression',
      );
    }
    returnValues(
      params,
      ['NONE', 'ALL_OLD', 'ALL_NEW'],
      'ReturnValues UPDATED_OLD and UPDATED_NEW are not modelled by this fake',
    );
    const old = table.items.get(key);
    const actions = parseUpdate(params.UpdateExpression);
    const scope = this.check(params, old, actions);
    const keyNames = [table.definition.partitionKey.name, table.definition.sortKey?.name ?? ''];
    const next = { ...applyUpdate(actions, scope, keyNames), ...(params.Key as Item) };
    checkSize(next);
    table.items.set(key, next);
    if (params.ReturnValues === 'ALL_NEW') return { Attributes: next };
    return params.ReturnValues === 'ALL_OLD' && old ? { Attributes: old } : {};
  }

  private deleteItem(table: Table, params: Record<string, unknown>): unknown {
    allowOnly(params, ['Key', ...WRITE_PARAMETERS]);
    const key = keyOf(table, params.Key, 'key');
    returnValues(params, ['NONE', 'ALL_OLD'], 'ReturnValues can only be ALL_OLD or NONE');
    const old = table.items.get(key);
    this.check(params, old, null);
    table.items.delete(key);
    return params.ReturnValues === 'ALL_OLD' && old ? { Attributes: old } : {};
  }

  /**
   * Checks the expressions' placeholders (every one defined, none unused) and evaluates the
   * condition against the item as it is; throws ConditionalCheckFailedException when it fails.
   */
  private check(
    params: Record<string, unknown>,
    old: Item | undefined,
    update: ReturnType<typeof parseUpdate> | null,
  ): Scope {
    const condition =
      params.ConditionExpression === undefined
        ? undefined
        : parseCondition(String(params.ConditionExpression));
    const used = { names: [] as string[], values: [] as string[] };
    for (const tree of [condition, update]) {
      if (!tree) continue;
      const p = placeholdersOf(tree);
      used.names.push(...p.names);
      used.values.push(...p.values);
    }
    const scope: Scope = {
      names: expressionNames(params, used.names),
      values: expressionValues(params, used.values),
      item: old,
    };
    if (condition && !evaluate(condition, scope)) {
      const allOld = params.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
      throw new DynamoDbError(
        'ConditionalCheckFailedException',
        'The conditional request failed',
        400,
        allOld && old ? { Item: old } : {},
      );
    }
    return scope;
  }

  private releaseHung(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }
}

function qualified(type: string): string {
  if (type === 'ValidationException') return `com.amazon.coral.validate#${type}`;
  if (type === 'ThrottlingException') return `com.amazon.coral.availability#${type}`;
  if (type === 'AccessDeniedException' || type === 'UnknownOperationException') {
    return `com.amazon.coral.service#${type}`;
  }
  return `${NAMESPACE}#${type}`;
}

function asDynamoDbError(caught: unknown): DynamoDbError {
  if (caught instanceof DynamoDbError) return caught;
  if (caught instanceof AwsJsonError)
    return new DynamoDbError(caught.type, caught.message, caught.status);
  return new DynamoDbError(
    'InternalServerError',
    `Fake DynamoDB endpoint bug: ${String(caught)}`,
    500,
  );
}

function faultError(
  fault: DynamoDbFault,
  operation: string,
  params: Record<string, unknown>,
): DynamoDbError {
  if (fault.kind === 'unavailable')
    return new DynamoDbError('InternalServerError', 'Internal server error', 500);
  if (fault.kind === 'accessDenied') {
    const table = String(params.TableName ?? '');
    return new DynamoDbError(
      'AccessDeniedException',
      `User: arn:aws:sts::123456789012:assumed-role/fake/fake is not authorized to perform: dynamodb:${operation} on resource: arn:aws:dynamodb:us-east-1:123456789012:table/${table} because no identity-based policy allows the dynamodb:${operation} action`,
    );
  }
  return fault.code === 'ThrottlingException'
    ? new DynamoDbError('ThrottlingException', 'Rate of requests exceeds the allowed throughput.')
    : new DynamoDbError(
        'ProvisionedThroughputExceededException',
        'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
      );
}

/** Refuses parameters the fake does not model (legacy Expected, ConditionalOperator, ...). */
function allowOnly(params: Record<string, unknown>, allowed: readonly string[]): void {
  const other = Object.keys(params).filter((k) => !allowed.includes(k));
  if (other.length > 0)
    throw validation(`parameters not modelled by this fake: ${other.join(', ')}`);
}

function returnValues(
  params: Record<string, unknown>,
  allowed: readonly string[],
  message: string,
): void {
  const value = params.ReturnValues ?? 'NONE';
  if (!allowed.includes(String(value))) throw validation(message);
  const onFailure = params.ReturnValuesOnConditionCheckFailure ?? 'NONE';
  if (onFailure !== 'NONE' && onFailure !== 'ALL_OLD') {
    throw validation(
      `1 validation error detected: Value '${String(onFailure)}' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`,
    );
  }
}

function itemOf(value: unknown): Item {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw validation(
      "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null",
    );
  }
  for (const v of Object.values(value)) typeOf(v);
  return value as Item;
}

function keyAttributes(table: Table, item: Item): Record<string, AttributeValue> {
  const { partitionKey, sortKey } = table.definition;
  const out: Record<string, AttributeValue> = {};
  for (const k of [partitionKey, sortKey]) {
    if (!k) continue;
    const v = item[k.name];
    if (v === undefined) {
      throw validation(
        `One or more parameter values were invalid: Missing the key ${k.name} in the item`,
      );
    }
    out[k.name] = v;
  }
  return out;
}

/** The item's key in the table's map; ValidationException when `key` does not match the schema. */
function keyOf(table: Table, key: unknown, where: 'key' | 'item'): string {
  const { partitionKey, sortKey } = table.definition;
  const schema = sortKey ? [partitionKey, sortKey] : [partitionKey];
  const given = key && typeof key === 'object' ? (key as Record<string, unknown>) : {};
  const names = Object.keys(given);
  if (names.length !== schema.length || !schema.every((k) => names.includes(k.name))) {
    throw validation('The provided key element does not match the schema');
  }
  return JSON.stringify(
    schema.map((k) => {
      const type = typeOf(given[k.name]);
      const raw = Object.values(given[k.name] as object)[0] as unknown;
      if (type !== k.type) {
        throw validation(
          where === 'item'
            ? `One or more parameter values were invalid: Type mismatch for key ${k.name} expected: ${k.type} actual: ${type}`
            : 'The provided key element does not match the schema',
        );
      }
      if (raw === '') {
        throw validation(
          `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${k.name}`,
        );
      }
      return raw;
    }),
  );
}

function expressionNames(
  params: Record<string, unknown>,
  used: readonly string[],
): Record<string, string> {
  return placeholderMap(params, 'ExpressionAttributeNames', used, (v) => {
    if (typeof v !== 'string' || v === '')
      throw validation('ExpressionAttributeNames contains invalid value');
    return v;
  });
}

function expressionValues(
  params: Record<string, unknown>,
  used: readonly string[],
): Record<string, AttributeValue> {
  return placeholderMap(params, 'ExpressionAttributeValues', used, (v) => {
    typeOf(v);
    return v as AttributeValue;
  });
}

/** A placeholder map, checked as DynamoDB checks it: not empty, every entry used. */
function placeholderMap<T>(
  params: Record<string, unknown>,
  field: 'ExpressionAttributeNames' | 'ExpressionAttributeValues',
  used: readonly string[],
  check: (v: unknown) => T,
): Record<string, T> {
  const raw = params[field] ?? (used.length > 0 ? {} : undefined);
  if (raw === undefined) return {};
  const undefinedOne = used.find((k) => !Object.hasOwn(raw as object, k));
  if (undefinedOne !== undefined) {
    throw validation(
      field === 'ExpressionAttributeNames'
        ? `Invalid expression: An expression attribute name used in the document path is not defined; attribute name: ${undefinedOne}`
        : `Invalid expression: An expression attribute value used in expression is not defined; attribute value: ${undefinedOne}`,
    );
  }
  if (!raw || typeof raw !== 'object' || Object.keys(raw).length === 0) {
    throw validation(`${field} must not be empty`);
  }
  const unused = Object.keys(raw).filter((k) => !used.includes(k));
  if (unused.length > 0) {
    throw validation(
      `Value provided in ${field} unused in expressions: keys: {${unused.join(', ')}}`,
    );
  }
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, check(v)]));
}

/** An item's size as DynamoDB counts it: attribute names and values (UTF-8 and binary lengths). */
export function itemBytes(item: Item): number {
  return Object.entries(item).reduce(
    (n, [name, v]) => n + Buffer.byteLength(name) + valueBytes(v),
    0,
  );
}

function valueBytes(v: AttributeValue): number {
  if ('S' in v) return Buffer.byteLength(v.S);
  if ('N' in v) return Math.ceil(v.N.replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
  if ('B' in v) return Buffer.from(v.B, 'base64').length;
  if ('BOOL' in v || 'NULL' in v) return 1;
  if ('L' in v) return 3 + v.L.reduce((n, x) => n + 1 + valueBytes(x), 0);
  if ('M' in v) return 3 + itemBytes(v.M) + Object.keys(v.M).length;
  const members = ('SS' in v ? v.SS : 'NS' in v ? v.NS : v.BS) as readonly string[];
  return members.reduce((n, m) => n + Buffer.byteLength(m), 0);
}

function checkSize(item: Item): void {
  if (itemBytes(item) > MAX_ITEM_BYTES)
    throw validation('Item size has exceeded the maximum allowed size');
}

/** Starts a loopback DynamoDB; create its tables, then point `AWS_ENDPOINT_URL_DYNAMODB` at `url`. */
export function startDynamoDbEndpoint(): Promise<DynamoDbEndpoint> {
  return startLoopbackFake((server) => new DynamoDbEndpoint(server));
}
