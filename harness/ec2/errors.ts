/** EC2's errors as the fake gives them: the code, EC2's wording, and the HTTP status EC2 uses. */
import type { Ec2Action } from './api';
import type { ModelInstance } from './instances';

/** An EC2 error answer; each front end renders it its own way (XML, or the SDK's exception). */
export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Default: EC2's status for the code ({@link httpStatusFor}). */
    readonly status = httpStatusFor(code),
  ) {
    super(message);
  }
}

/** HTTP status EC2 uses for an error code: 503 for throttling/unavailable, 500 for server errors. */
export function httpStatusFor(code: string): number {
  if (code === 'RequestLimitExceeded' || code === 'Unavailable') return 503;
  if (code === 'InternalError' || code.startsWith('Insufficient')) return 500;
  return 400;
}

export function throttled(): Ec2Error {
  return new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.');
}

export function notFound(ids: readonly string[]): Ec2Error {
  return ids.length === 1
    ? new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${ids[0]}' does not exist`)
    : new Ec2Error(
        'InvalidInstanceID.NotFound',
        `The instance IDs '${ids.join(', ')}' do not exist`,
      );
}

export function malformed(id: string): Ec2Error {
  return new Ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
}

/** EC2's words differ: "The instance ... started", "This instance ... stopped". */
export function incorrectState(id: string, action: Ec2Action): Ec2Error {
  return new Ec2Error(
    'IncorrectInstanceState',
    action === 'StartInstances'
      ? `The instance '${id}' is not in a state from which it can be started.`
      : `This instance '${id}' is not in a state from which it can be stopped.`,
  );
}

export function hibernationNotConfigured(id: string): Ec2Error {
  return new Ec2Error(
    'UnsupportedHibernationConfiguration',
    `The instance '${id}' does not have hibernation configured. Hibernation must be enabled at launch.`,
  );
}

/** What EC2 says when it refuses a call for `code` because of instance `id` (an injected fault). */
export function faultMessage(
  code: string,
  action: Ec2Action,
  id: string,
  instance: Readonly<ModelInstance> | undefined,
): string {
  switch (code) {
    case 'InsufficientInstanceCapacity': {
      const type = instance?.instanceType ?? 't3.micro';
      const zone = instance?.availabilityZone ?? 'us-east-1a';
      return `We currently do not have sufficient ${type} capacity in the Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity. You can currently get ${type} capacity by not specifying an Availability Zone in your request or choosing another Availability Zone.`;
    }
    case 'IncorrectInstanceState':
      return incorrectState(id, action).message;
    case 'UnsupportedHibernationConfiguration':
      return hibernationNotConfigured(id).message;
    case 'InvalidInstanceID.NotFound':
      return notFound([id]).message;
    case 'RequestLimitExceeded':
      return throttled().message;
    default:
      return `${code} (injected fault for ${id})`;
  }
}
