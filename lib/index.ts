// The product: the construct, its options, and the schedule preview. Nothing of the wire
// protocol between schedules and functions, or of the cron engine, is public API.
export { Ec2Scheduler } from './ec2-scheduler';
export type { Ec2SchedulerProps, ScheduleOptions, ScheduleResources } from './props';
export { Preview } from './preview';
export type {
  PreviewScheduleOptions,
  PreviewOptions,
  SchedulePreview,
  Transition,
} from './preview';
