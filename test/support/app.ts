/**
 * Shared helpers for the construct tests: a fast test app and readers for the IAM policies that
 * a synthesized template attaches to one role.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Ec2Scheduler, type Ec2SchedulerProps, type ScheduleOptions } from '../../lib';
import { NO_BUILTIN_VALIDATION } from '../../harness/assembly';

export { NO_BUILTIN_VALIDATION };

/**
 * A stack in an app that skips CDK's built-in CloudFormation validation (it adds seconds per
 * synth and checks nothing these tests rely on; under jest it is off for every app, see
 * `builtin-validation.ts`). Not for the cdk-nag tests: build a plain `App`.
 */
export function testStack(id = 'Stack'): Stack {
  const app = new App(NO_BUILTIN_VALIDATION);
  return new Stack(app, id);
}

export interface OfficeHoursOptions {
  /** Added to the scheduler's props (its time zone is New York's). */
  readonly scheduler?: Ec2SchedulerProps;
  /** Added to the office-hours schedule. */
  readonly schedule?: Partial<ScheduleOptions>;
  /** Adds to the scheduler, e.g. other schedules. */
  readonly more?: (scheduler: Ec2Scheduler) => void;
}

/**
 * Builds, in an app, a stack `id` with a scheduler in New York time and its office-hours
 * schedule, 08:00 to 17:00 on weekdays: for `synthesize` and the end-to-end world.
 */
export function officeHoursBuilder(id: string, options: OfficeHoursOptions = {}) {
  return (app: App): Stack => {
    const stack = new Stack(app, id);
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
      timeZone: 'America/New_York',
      ...options.scheduler,
    });
    scheduler.addSchedule('office-hours', {
      start: 'cron(0 8 ? * MON-FRI *)',
      stop: 'cron(0 17 ? * MON-FRI *)',
      ...options.schedule,
    });
    options.more?.(scheduler);
    return stack;
  };
}

/** One statement of an IAM policy document, as it appears in a template. */
export interface TemplateStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of every `AWS::IAM::Policy` attached to `role` in `template`. */
export function statementsOf(
  template: Template,
  stack: Stack,
  role: iam.IRole,
): TemplateStatement[] {
  const roleRef = JSON.stringify(stack.resolve(role.roleName));
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{
    Properties: { Roles?: unknown[]; PolicyDocument: { Statement: TemplateStatement[] } };
  }>;
  return policies
    .filter((p) => (p.Properties.Roles ?? []).some((r) => JSON.stringify(r) === roleRef))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** The actions of a statement, always as an array. */
export function actionsOf(statement: TemplateStatement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every action granted to `role` in `template`. */
export function actionsGrantedTo(template: Template, stack: Stack, role: iam.IRole): string[] {
  return statementsOf(template, stack, role).flatMap(actionsOf);
}

/** The ARN of `arn:<partition>:ec2:<region>:<account>:instance/*` as the template renders it. */
export const ANY_INSTANCE_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ec2:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':instance/*',
    ],
  ],
};

/**
 * Runs `synth` with CDK's built-in CloudFormation validation on, as `cdk synth` runs it (jest turns
 * it off for every other synth: see `builtin-validation.ts`).
 */
export function withBuiltinValidation<T>(synth: () => T): T {
  const saved = process.env.CDK_VALIDATION;
  delete process.env.CDK_VALIDATION;
  try {
    return synth();
  } finally {
    if (saved !== undefined) process.env.CDK_VALIDATION = saved;
  }
}

/** Escapes `text` and anchors it, for `toThrow(exactly('...'))`. */
export function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
}

/** cdk-nag AWS Solutions errors that no acknowledgement covers, as "rule at path" lines. */
export function unacknowledgedNagErrors(app: App): string[] {
  return new AwsSolutionsChecks(app)
    .validateScope(app)
    .violations.filter((v) => v.severity === 'error')
    .map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

/** Every acknowledgement of a validation rule in `app`, with its reason. */
export function acknowledgementsIn(app: App): Array<[string, string | undefined]> {
  return app.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, { reason?: string } | string>))
    .map(([id, value]) => [id, typeof value === 'string' ? value : value.reason]);
}

/**
 * A dependency cycle among the resources of `template` (through `Ref`, `Fn::GetAtt`, `Fn::Sub`
 * and `DependsOn`), as the logical ids around it; undefined when there is none. CloudFormation
 * refuses a template with a cycle, and CDK does not check for one within a stack.
 */
export function dependencyCycle(template: Template): string[] | undefined {
  const resources = template.toJSON().Resources as Record<
    string,
    { DependsOn?: string | string[]; [key: string]: unknown }
  >;
  const edges = new Map<string, Set<string>>();
  const collect = (value: unknown, into: Set<string>): void => {
    if (Array.isArray(value)) {
      value.forEach((v) => collect(v, into));
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'Ref' && typeof inner === 'string') into.add(inner);
        else if (key === 'Fn::GetAtt' && Array.isArray(inner)) into.add(String(inner[0]));
        else if (key === 'Fn::GetAtt' && typeof inner === 'string') into.add(inner.split('.')[0]);
        else if (key === 'Fn::Sub') {
          const text = Array.isArray(inner) ? inner[0] : inner;
          for (const m of String(text).matchAll(/\$\{([^}.!]+)/g)) into.add(m[1]);
          if (Array.isArray(inner)) collect(inner[1], into);
        } else collect(inner, into);
      }
    }
  };
  for (const [id, resource] of Object.entries(resources)) {
    const targets = new Set<string>([resource.DependsOn ?? []].flat());
    collect({ ...resource, DependsOn: undefined }, targets);
    edges.set(id, new Set([...targets].filter((t) => t in resources)));
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The pseudo parameters {@link deployedValue} assumes: a stack named `Stack` in us-east-1. */
export const DEPLOYED = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '111122223333',
  'AWS::StackName': 'Stack',
  'AWS::StackId':
    'arn:aws:cloudformation:us-east-1:111122223333:stack/Stack/1c2fa620-982a-11e3-aff7-50e2416294e0',
  'AWS::URLSuffix': 'amazonaws.com',
} as const;

/**
 * What a template value becomes when deployed with the {@link DEPLOYED} pseudo parameters:
 * `Fn::Join`, `Fn::Select`, `Fn::Split` and `Ref` to a pseudo parameter are evaluated. Anything
 * else (a `Ref` to a resource, `Fn::GetAtt`, ...) throws: the value depends on a resource.
 */
export function deployedValue(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (Array.isArray(value)) return value.map(deployedValue);
  const [fn, args] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  if (fn === 'Ref' && typeof args === 'string' && args in DEPLOYED) {
    return DEPLOYED[args as keyof typeof DEPLOYED];
  }
  if (fn === 'Fn::Join') {
    const [separator, parts] = args as [string, unknown[]];
    return parts.map((p) => String(deployedValue(p))).join(separator);
  }
  if (fn === 'Fn::Select') {
    const [index, list] = args as [number, unknown];
    return (deployedValue(list) as unknown[])[Number(index)];
  }
  if (fn === 'Fn::Split') {
    const [separator, text] = args as [string, unknown];
    return String(deployedValue(text)).split(separator);
  }
  throw new Error(`not known before deployment: ${JSON.stringify(value)}`);
}
