/**
 * CloudWatch metrics for each run, as Embedded Metric Format through Powertools for AWS Lambda.
 * Every metric carries the dimensions Schedule and Action. InstancesFailed and GroupsFailed are
 * also published with Action alone, so one alarm covers every schedule, and in a hub's runs with Action, Account
 * and Region, for failures per target.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC_NAMES } from '../../lib/common/shared-names';
import type { RunMetrics, RunSummary } from './summary';

export function powertoolsMetrics(metrics: Metrics): RunMetrics {
  // Only the dimensions named here: no default `service` dimension.
  metrics.clearDefaultDimensions();
  return {
    publish(summary: RunSummary): void {
      metrics.addDimension('Schedule', summary.schedule);
      metrics.addDimension('Action', summary.action);
      for (const [field, name] of Object.entries(METRIC_NAMES)) {
        const value = summary[field as keyof typeof METRIC_NAMES];
        metrics.addMetric(name, MetricUnit.Count, value);
      }
      metrics.publishStoredMetrics();
      // One document each (a single metric is written as soon as it is added).
      for (const field of ['failed', 'groupsFailed'] as const) {
        const acrossSchedules = metrics.singleMetric();
        acrossSchedules.clearDefaultDimensions();
        acrossSchedules.addDimension('Action', summary.action);
        acrossSchedules.addMetric(METRIC_NAMES[field], MetricUnit.Count, summary[field]);
      }
      if (summary.account && summary.region) {
        // A hub's run in one target: failures per target, for the dashboard.
        const perTarget = metrics.singleMetric();
        perTarget.clearDefaultDimensions();
        perTarget.addDimension('Action', summary.action);
        perTarget.addDimension('Account', summary.account);
        perTarget.addDimension('Region', summary.region);
        perTarget.addMetric(METRIC_NAMES.failed, MetricUnit.Count, summary.failed);
      }
    },
  };
}
