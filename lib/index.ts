// The product: the constructs (the scheduler, and the spoke role of a hub), their options, and
// the schedule preview. Nothing of the wire protocol between schedules and functions, or of the
// cron engine, is public API.
export { Ec2Scheduler } from './ec2-scheduler';
export type {
  Ec2SchedulerProps,
  Ec2SchedulerTargets,
  ScheduleOptions,
  ScheduleResources,
} from './props';
export { Preview } from './preview';
export type {
  PreviewScheduleOptions,
  PreviewOptions,
  SchedulePreview,
  Transition,
} from './preview';
export { Ec2SchedulerSpokeRole } from './spoke-role';
export type { Ec2SchedulerSpokeRoleProps } from './spoke-role';
