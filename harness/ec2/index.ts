/**
 * The fake EC2 the tests and the benchmark share: one model (`model.ts`) behind a loopback Query
 * API endpoint (`endpoint.ts`) and, for the handler's unit tests, an in-process
 * `aws-sdk-client-mock` front end (`in-process.ts`, imported on its own: it loads the SDK mock).
 */
export * from './api';
export * from './buckets';
export { Ec2Error, httpStatusFor } from './errors';
export type { FailInstanceOptions } from './faults';
export {
  INSTANCE_STATE_CODES,
  instanceIdFor,
  KMS_BOUNCE,
  makeInstances,
  USER_INITIATED_HIBERNATE,
  USER_INITIATED_SHUTDOWN,
  type Ec2Instance,
  type InstanceStateName,
  type MakeInstancesOptions,
  type StateReason,
} from './instances';
export { Ec2Model } from './model';
export * from './endpoint';
export { EC2_API_VERSION, EC2_XMLNS } from './wire';
