// The product: the constructs (the scheduler, and the spoke role of a hub), their options, and
// the schedule preview. Nothing of the wire protocol between schedules and functions, or of the
// cron engine, is public API.
export { Ec2Scheduler } from './construct/ec2-scheduler';
export type { Ec2SchedulerProps, ScheduleOptions, ScheduleResources } from './construct/props';
export type { Ec2SchedulerTargets } from './hub/targets-props';
export type { AutoScalingGroupSize } from './construct/group-fallback-size';
export { Preview } from './schedule/preview';
export type {
  PreviewScheduleOptions,
  PreviewOptions,
  SchedulePreview,
  Transition,
} from './schedule/preview';
export { Ec2SchedulerSpokeRole } from './hub/spoke-role';
export type { Ec2SchedulerSpokeRoleProps } from './hub/spoke-role';
