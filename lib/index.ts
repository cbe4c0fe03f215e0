export * from './ec2-scheduler';
export type { SchedulerEvent, ScheduleAction, FollowUpState, BucketSnapshot } from './event';
export { CronError, parseEventBridgeCron } from './cron';
export { nextFirings } from './firings';
export type { EventBridgeCron } from './cron';
export { previewSchedule, describePreview, formatLocal } from './preview';
export type {
  PreviewScheduleOptions,
  PreviewOptions,
  SchedulePreview,
  Transition,
} from './preview';
