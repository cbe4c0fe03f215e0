/**
 * What `cdk synth` reports on the construct's stacks: CDK's built-in CloudFormation validation and
 * cdk-nag's AWS Solutions checks as a validation plugin, with every acknowledgement reasoned. The
 * synths that need the built-in validation are here, together: its engine takes about 8 s to load
 * in each test file (jest turns it off everywhere else, see `support/builtin-validation.ts`), so
 * `npm run test:fast` leaves this file out, as it does the Control Tower suite.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Ec2Scheduler } from '../lib';
import { acknowledgementsIn, unacknowledgedNagErrors, withBuiltinValidation } from './support/app';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';

/** A hub as `many-accounts.test.ts` builds one, in an organization. */
function hub(stack: Stack): void {
  const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
    targets: {
      accounts: ['111111111111', '222222222222'],
      organizationalUnitIds: ['ou-ab12-cdef3456', 'ou-ab12-99998888'],
      regions: ['us-east-1', 'eu-west-1'],
    },
    organizationId: 'o-a1b2c3d4e5',
  });
  scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
  scheduler.addSchedule('evening-stop', { stop: 'cron(0 19 * * ? *)' });
  Template.fromStack(stack);
}

describe('cdk-nag AwsSolutions checks on a stack like the example app', () => {
  let app: App;

  beforeAll(() => {
    // A plain App, as `cdk synth` runs it (CloudFormation validation included), with the example's
    // cdk.json context (the recommended feature flags among it).
    const { context } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'));
    app = new App({ context });
    const stack = new Stack(app, 'OfficeHoursScheduler', {
      description: 'Starts and stops EC2 instances tagged Schedule=office-hours',
    });
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', { timeZone: 'America/New_York' });
    scheduler.addSchedule('office-hours', {
      start: WEEKDAYS_8,
      stop: WEEKDAYS_17,
      skipDates: ['2026-12-25', '2027-01-01'],
    });
  });

  test('validateScope reports no unacknowledged error', () => {
    expect(unacknowledgedNagErrors(app)).toEqual([]);
  });

  test('synth with AwsSolutionsChecks as a validation plugin passes; every acknowledgement has a reason', () => {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const assembly = withBuiltinValidation(() => app.synth());
    const report = JSON.parse(
      fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
    ) as {
      pluginReports: Array<{
        pluginName: string;
        conclusion: string;
        violations: unknown[];
        suppressedViolations?: Array<{ ruleName: string; reason?: string }>;
      }>;
    };
    // A clean run lists no plugin report with violations (a fully clean one lists none at all).
    expect(report.pluginReports.filter((r) => r.violations.length > 0)).toEqual([]);
    expect(report.pluginReports.every((r) => r.conclusion === 'success')).toBe(true);
    const acknowledgements = app.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, { reason?: string } | string>));
    expect(acknowledgements.length).toBeGreaterThanOrEqual(4);
    for (const [id, value] of acknowledgements) {
      const reason = typeof value === 'string' ? value : value.reason;
      expect({ id, reason }).toEqual({ id, reason: expect.stringMatching(/\w{3,}.*\w{3,}/) });
    }
    // The scheduler role holds no grant on the functions' versions, so nothing acknowledges one.
    expect(acknowledgements.map(([id]) => id)).not.toContainEqual(
      expect.stringMatching(/\.Arn>:\*\]$/),
    );
  });
});

describe("CDK's built-in CloudFormation validation under jest", () => {
  /** The plugins that report on a queue with a property CloudFormation does not know. */
  function reportingPlugins(synth: (app: App) => { directory: string }): string[] {
    const app = new App();
    new CfnResource(new Stack(app, 'Odd'), 'Queue', {
      type: 'AWS::SQS::Queue',
      properties: { NoSuchProperty: 1 },
    });
    const file = path.join(synth(app).directory, 'validation-report.json');
    if (!fs.existsSync(file)) return [];
    const report = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      pluginReports: Array<{ pluginName: string; violations: unknown[] }>;
    };
    return report.pluginReports.filter((r) => r.violations.length > 0).map((r) => r.pluginName);
  }

  test('is off for a synth (about 8 s a test file), and withBuiltinValidation turns it on', () => {
    expect(reportingPlugins((app) => app.synth())).toEqual([]);
    // The finding is also printed, as a warning.
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(reportingPlugins((app) => withBuiltinValidation(() => app.synth()))).toEqual([
        'CloudFormation Validate',
      ]);
    } finally {
      printed.mockRestore();
    }
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  test('a hub passes with every acknowledgement reasoned', () => {
    const app = new App();
    hub(new Stack(app, 'Hub'));
    expect(unacknowledgedNagErrors(app)).toEqual([]);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const assembly = withBuiltinValidation(() => app.synth({ force: true }));
    const report = JSON.parse(
      fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
    ) as { pluginReports: Array<{ violations: unknown[] }> };
    expect(report.pluginReports.filter((r) => r.violations.length > 0)).toEqual([]);
    const found = acknowledgementsIn(app);
    expect(found.map(([id]) => id)).toContainEqual(
      expect.stringContaining('iam::*:role/ec2-scheduler-spoke-start]'),
    );
    for (const [id, reason] of found) {
      expect({ id, reason }).toEqual({ id, reason: expect.stringMatching(/\w{3,}.*\w{3,}/) });
    }
  });
});
