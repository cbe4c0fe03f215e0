/**
 * Reads what a deployment would run out of a synthesized cloud assembly: each EventBridge
 * Scheduler schedule, the Lambda function its target invokes, that function's code asset and
 * handler file, and the schedule's own `Input`. End-to-end tests and the benchmark load the
 * handler from the assembly (not from the source tree) and drive it with that input.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type AppProps, type Stack } from 'aws-cdk-lib';
import {
  ASSET_RESOURCE_METADATA_ENABLED_CONTEXT,
  CloudAssembly,
  type CloudFormationStackArtifact,
} from 'aws-cdk-lib/cx-api';
import { parseEventBridgeCron, type EventBridgeCron } from '../lib/schedule/cron';
import { nextFiring } from '../lib/schedule/firings';
import { SCHEDULED_TIME_ATTRIBUTE } from '../lib/contract/schedule-input';
import { DEDUPLICATION_TABLE } from '../lib/common/shared-names';
import type { FunctionSpec } from './lambda-runtime';

/**
 * Asks aws-cdk-lib not to validate the synthesized templates against its built-in CloudFormation
 * rules. The aws-cdk-lib the library is developed against (2.269.0) ignores the prop, hence the
 * cast: it reads only `CDK_VALIDATION=false`, which jest sets for the tests
 * (`test/support/builtin-validation.ts`); its engine costs about 8 s a process and 1 s a synth.
 */
export const NO_BUILTIN_VALIDATION = { builtinCloudFormationValidation: false } as AppProps;

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** A Lambda function of the template, with its code asset in the assembly. */
export interface AssemblyFunction {
  readonly logicalId: string;
  /** A stand-in name (the template lets CloudFormation generate one). */
  readonly functionName: string;
  /** A stand-in ARN in the fake account and Region. */
  readonly arn: string;
  /** Absolute path of the code asset directory (`Metadata['aws:asset:path']`). */
  readonly assetDir: string;
  /** The file Lambda loads for `Handler` (`index.handler` -> `<assetDir>/index.js`). */
  readonly file: string;
  /** The export Lambda calls (`index.handler` -> `handler`). */
  readonly exportName: string;
  readonly runtime: string;
  /** `Environment.Variables` of the template. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /**
   * How many times Lambda runs a failed asynchronous invocation again: the function's
   * `AWS::Lambda::EventInvokeConfig` `MaximumRetryAttempts`, else Lambda's default, 2.
   */
  readonly asyncRetries: number;
}

/** An `AWS::Scheduler::Schedule` whose target is a Lambda function of the same template. */
export interface AssemblySchedule {
  readonly logicalId: string;
  /** `ScheduleExpression`, e.g. `cron(0 8 ? * MON-FRI *)`. */
  readonly expression: string;
  /** `ScheduleExpressionTimezone` (UTC when absent, as in EventBridge Scheduler). */
  readonly timeZone: string;
  /** `Target.Input`, verbatim. */
  readonly input: string;
  /** The target function. */
  readonly target: AssemblyFunction;
}

/** An `AWS::DynamoDB::Table` of the template: its key schema, as a loopback DynamoDB creates it. */
export interface AssemblyTable {
  readonly logicalId: string;
  /**
   * A stand-in name (the template lets CloudFormation generate one); function variables that
   * `Ref` the table hold it. With the key attributes, a loopback DynamoDB's table definition.
   */
  readonly name: string;
  readonly partitionKey: { readonly name: string; readonly type: 'S' | 'N' | 'B' };
  readonly sortKey?: { readonly name: string; readonly type: 'S' | 'N' | 'B' };
  /** `TimeToLiveSpecification.AttributeName` when TTL is enabled. */
  readonly timeToLiveAttribute?: string;
}

export interface StackAssembly {
  readonly stackName: string;
  /** Absolute path of the cloud assembly directory. */
  readonly directory: string;
  readonly template: Template;
  readonly functions: readonly AssemblyFunction[];
  readonly schedules: readonly AssemblySchedule[];
  readonly tables: readonly AssemblyTable[];
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

interface Template {
  readonly Resources: Record<string, Resource>;
}

/**
 * Synthesizes the stack that `build` adds to a fresh app (through the public API) into `outdir`
 * and reads it. Asset metadata is on (as `cdk synth` turns it on); built-in CloudFormation
 * validation is off unless `appProps` turns it on.
 */
export function synthesize(
  outdir: string,
  build: (app: App) => Stack,
  appProps: AppProps = {},
): StackAssembly {
  const app = new App({
    outdir,
    ...NO_BUILTIN_VALIDATION,
    ...appProps,
    context: { [ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true, ...appProps.context },
  });
  const stack = build(app);
  const assembly = app.synth();
  return fromArtifact(assembly.getStackByName(stack.stackName));
}

/** Reads one stack of an existing cloud assembly directory (e.g. the output of `cdk synth -o`). */
export function readAssembly(directory: string, stackName: string): StackAssembly {
  return fromArtifact(new CloudAssembly(directory).getStackByName(stackName));
}

function fromArtifact(artifact: CloudFormationStackArtifact): StackAssembly {
  const directory = artifact.assembly.directory;
  const template = artifact.template as Template;
  const functions = new Map<string, AssemblyFunction>();
  const retries = new Map<string, number>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventInvokeConfig') continue;
    const ref = (resource.Properties?.FunctionName as { Ref?: unknown } | undefined)?.Ref;
    const attempts = resource.Properties?.MaximumRetryAttempts;
    if (typeof ref === 'string' && typeof attempts === 'number') retries.set(ref, attempts);
  }
  const tables = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::Table')
    .map(([logicalId, r]) => readTable(artifact.stackName, logicalId, r));
  const refs = new Map(tables.map((t) => [t.logicalId, t.name]));
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::Lambda::Function') {
      functions.set(
        logicalId,
        readFunction(
          directory,
          { stackName: artifact.stackName, refs },
          logicalId,
          resource,
          retries.get(logicalId),
        ),
      );
    }
  }
  const schedules: AssemblySchedule[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Scheduler::Schedule') continue;
    const props = resource.Properties ?? {};
    const target = (props.Target ?? {}) as { Arn?: unknown; Input?: unknown };
    const fnId = getAttArnOf(target.Arn);
    const fn = fnId === undefined ? undefined : functions.get(fnId);
    if (!fn) {
      throw new Error(
        `schedule ${logicalId}: Target.Arn ${JSON.stringify(target.Arn)} is not Fn::GetAtt [<function>, Arn] of a function in this template`,
      );
    }
    if (typeof target.Input !== 'string' || typeof props.ScheduleExpression !== 'string') {
      throw new Error(`schedule ${logicalId}: Target.Input or ScheduleExpression is not a string`);
    }
    schedules.push({
      logicalId,
      expression: props.ScheduleExpression,
      timeZone:
        typeof props.ScheduleExpressionTimezone === 'string'
          ? props.ScheduleExpressionTimezone
          : 'UTC',
      input: target.Input,
      target: fn,
    });
  }
  return {
    stackName: artifact.stackName,
    directory,
    template,
    functions: [...functions.values()],
    schedules,
    tables,
  };
}

function readTable(stackName: string, logicalId: string, resource: Resource): AssemblyTable {
  const props = resource.Properties ?? {};
  const schema = (props.KeySchema ?? []) as Array<{ AttributeName: string; KeyType: string }>;
  const types = (props.AttributeDefinitions ?? []) as Array<{
    AttributeName: string;
    AttributeType: 'S' | 'N' | 'B';
  }>;
  const attribute = (keyType: string) => {
    const name = schema.find((k) => k.KeyType === keyType)?.AttributeName;
    const type = types.find((a) => a.AttributeName === name)?.AttributeType;
    return name && type ? { name, type } : undefined;
  };
  const partitionKey = attribute('HASH');
  if (!partitionKey) throw new Error(`table ${logicalId}: no HASH key in its KeySchema`);
  const sortKey = attribute('RANGE');
  const ttl = props.TimeToLiveSpecification as
    { AttributeName?: string; Enabled?: boolean } | undefined;
  return {
    logicalId,
    name: `${stackName}-${logicalId}`.slice(0, 255),
    partitionKey,
    ...(sortKey ? { sortKey } : {}),
    ...(ttl?.Enabled && ttl.AttributeName ? { timeToLiveAttribute: ttl.AttributeName } : {}),
  };
}

/** A variable's value as deployed: a `Ref` to a table of the template is its (stand-in) name. */
function variableValue(value: unknown, refs: ReadonlyMap<string, string>): string {
  const ref = (value as { Ref?: unknown } | null)?.Ref;
  if (typeof ref === 'string' && refs.has(ref)) return refs.get(ref) as string;
  return String(value);
}

function getAttArnOf(value: unknown): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt.length === 2 && getAtt[1] === 'Arn'
    ? String(getAtt[0])
    : undefined;
}

function readFunction(
  directory: string,
  { stackName, refs }: { stackName: string; refs: ReadonlyMap<string, string> },
  logicalId: string,
  resource: Resource,
  asyncRetries = 2,
): AssemblyFunction {
  const props = resource.Properties ?? {};
  const assetPath = resource.Metadata?.['aws:asset:path'];
  if (typeof assetPath !== 'string') {
    throw new Error(`function ${logicalId} has no Metadata aws:asset:path (not a code asset)`);
  }
  const handler = String(props.Handler ?? '');
  const dot = handler.lastIndexOf('.');
  if (dot <= 0)
    throw new Error(`function ${logicalId}: Handler "${handler}" is not <file>.<export>`);
  const assetDir = path.resolve(directory, assetPath);
  const base = path.join(assetDir, handler.slice(0, dot));
  const file = ['.js', '.cjs', '.mjs'].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`function ${logicalId}: no ${base}.js in the assembly`);
  const functionName = `${stackName}-${logicalId}`.slice(0, 64);
  const env = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
  return {
    logicalId,
    functionName,
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    assetDir,
    file,
    exportName: handler.slice(dot + 1),
    runtime: String(props.Runtime ?? ''),
    environment: Object.fromEntries(
      Object.entries(env ?? {}).map(([k, v]) => [k, variableValue(v, refs)]),
    ),
    timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
    memorySize: typeof props.MemorySize === 'number' ? props.MemorySize : 128,
    asyncRetries,
  };
}

/**
 * The schedule whose input has this `schedule` name and `action` (the first, with several), or
 * with `action` 'enforce' the schedule's enforcement check.
 */
export function findSchedule(
  stack: StackAssembly,
  schedule: string,
  action: 'start' | 'stop' | 'enforce',
): AssemblySchedule {
  const found = stack.schedules.find((s) => {
    const input = JSON.parse(s.input) as {
      schedule?: unknown;
      action?: unknown;
      enforce?: unknown;
    };
    if (input.schedule !== schedule) return false;
    return action === 'enforce'
      ? input.enforce !== undefined
      : input.action === action && input.enforce === undefined;
  });
  if (!found) throw new Error(`no ${action} schedule for "${schedule}" in ${stack.stackName}`);
  return found;
}

/**
 * The payload EventBridge Scheduler delivers when the schedule fires at `at`: `Target.Input`
 * with the context attribute `<aws.scheduler.scheduled-time>` replaced by `at` in ISO 8601 UTC
 * (without milliseconds, as Scheduler writes it).
 */
export function scheduledPayload(schedule: AssemblySchedule, at: Date): unknown {
  const stamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return JSON.parse(schedule.input.split(SCHEDULED_TIME_ATTRIBUTE).join(stamp));
}

/** The first time the schedule fires strictly after `after`, in its time zone. */
export function nextScheduledTime(schedule: AssemblySchedule, after: Date): Date {
  const cron: EventBridgeCron = parseEventBridgeCron(schedule.expression);
  const at = nextFiring(cron, schedule.timeZone, after);
  if (!at) throw new Error(`${schedule.expression} never fires after ${after.toISOString()}`);
  return at;
}

/** The first firing of `schedule` after `after`: when, and the input Scheduler gives its target. */
export function firingAfter(
  schedule: AssemblySchedule,
  after: Date,
): { at: Date; payload: unknown } {
  const at = nextScheduledTime(schedule, after);
  return { at, payload: scheduledPayload(schedule, at) };
}

/** The loopback fakes a function's SDK clients reach. */
export interface FakeEndpoints {
  readonly ec2: string;
  readonly lambda: string;
  /**
   * The loopback Auto Scaling (`harness/autoscaling`): the functions list the schedule's groups on
   * every run that is not a hub's, so a run without it would reach for the real service.
   */
  readonly autoScaling: string;
  /** The loopback EKS (`harness/eks`): the functions look up their tagged node groups there. */
  readonly eks: string;
  /**
   * The loopback Resource Groups Tagging API (`harness/tagging`): the functions find the tagged
   * node groups with its GetResources on every run that is not a hub's.
   */
  readonly tagging: string;
  /**
   * The loopback DynamoDB holding the template's tables. Without it, the deduplication table's
   * variable is left out: the function runs as deployed with `deduplication: false`.
   */
  readonly dynamodb?: string;
}

/**
 * The environment Lambda gives the function: its template variables, the runtime's own, fake
 * credentials, and the endpoints of the loopback fakes (the SDK's standard `AWS_ENDPOINT_URL_*`).
 */
export function functionEnvironment(
  fn: AssemblyFunction,
  endpoints: FakeEndpoints,
  extra: Record<string, string> = {},
): Record<string, string> {
  const variables = { ...fn.environment };
  if (endpoints.dynamodb === undefined) delete variables[DEDUPLICATION_TABLE.environment];
  return {
    ...variables,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_SESSION_TOKEN: 'fake-session-token',
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_ENDPOINT_URL_EC2: endpoints.ec2,
    AWS_ENDPOINT_URL_LAMBDA: endpoints.lambda,
    AWS_ENDPOINT_URL_AUTO_SCALING: endpoints.autoScaling,
    AWS_ENDPOINT_URL_EKS: endpoints.eks,
    AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: endpoints.tagging,
    ...(endpoints.dynamodb !== undefined ? { AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb } : {}),
    ...extra,
  };
}

/**
 * How to run a function from the assembly in a LambdaRuntime: its handler file and export, the
 * environment Lambda would give it (see `functionEnvironment`) plus `env`, its timeout, and how
 * often Lambda retries a failed asynchronous invocation (the template's, unless `asyncRetries`).
 */
export function functionSpec(
  fn: AssemblyFunction,
  endpoints: FakeEndpoints,
  options: {
    env?: Record<string, string>;
    timeoutMs?: number;
    captureLogs?: boolean;
    asyncRetries?: number;
  } = {},
): FunctionSpec {
  return {
    arn: fn.arn,
    functionName: fn.functionName,
    file: fn.file,
    exportName: fn.exportName,
    env: functionEnvironment(fn, endpoints, options.env),
    timeoutMs: options.timeoutMs ?? fn.timeoutSeconds * 1000,
    memorySize: fn.memorySize,
    asyncRetries: options.asyncRetries ?? fn.asyncRetries,
    ...(options.captureLogs ? { captureLogs: true } : {}),
  };
}
