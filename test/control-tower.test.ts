/**
 * AWS Control Tower proactive controls: the cfn-guard rules that organizations enforce as
 * CloudFormation hooks, so a template that fails one does not deploy there. The stacks are
 * synthesized with `@cdklabs/cdk-validator-cfnguard` (its own cfn-guard binary and the bundled
 * Control Tower rules, offline), and the validation report is read back.
 */
import { NO_BUILTIN_VALIDATION } from './support/app';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { Ec2Scheduler } from '../lib';
import { officeHoursStack } from '../bin/office-hours';

interface ReportedViolation {
  readonly ruleName: string;
  readonly description: string;
  readonly violatingConstructs: Array<{ readonly constructPath: string }>;
  readonly reason?: string;
}

interface Findings {
  /** Findings nobody acknowledged: each would block a deployment, here and in Control Tower. */
  readonly open: string[];
  /** Acknowledged findings, with the reason given. */
  readonly acknowledged: Array<{ readonly finding: string; readonly reason?: string }>;
}

/** `[CT.LAMBDA.PR.3]: Require ...` -> `CT.LAMBDA.PR.3` */
function controlOf(description: string): string {
  return /^\[([^\]]+)\]/.exec(description)?.[1] ?? description;
}

/** One line per violating construct: `CT.X.PR.N at <construct path>` (or `<no resource>`). */
function linesOf(v: ReportedViolation): string[] {
  return v.violatingConstructs.map(
    (c) => `${controlOf(v.description)} at ${c.constructPath || '<no resource>'}`,
  );
}

/** Synthesizes what `build` adds to a fresh app with the Control Tower rules, and reads the report. */
function controlTowerFindings(build: (app: App) => void): Findings {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-'));
  try {
    // CloudFormation's own validation checks nothing these rules look at; it only adds time.
    const app = new App({ outdir, ...NO_BUILTIN_VALIDATION });
    build(app);
    Validations.of(app).addPlugins(new CfnGuardValidator());
    try {
      app.synth();
    } catch (e) {
      // Unacknowledged findings fail the synth; the report says which.
      if (!/A copy of this report can be found in/.test(String(e))) throw e;
    }
    const reportFile = path.join(outdir, 'validation-report.json');
    if (!fs.existsSync(reportFile)) return { open: [], acknowledged: [] };
    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as {
      pluginReports: Array<{
        pluginName: string;
        violations: ReportedViolation[];
        suppressedViolations?: ReportedViolation[];
      }>;
    };
    const guard = report.pluginReports.filter((r) => r.pluginName === 'cdk-validator-cfnguard');
    return {
      open: guard.flatMap((r) => r.violations.flatMap(linesOf)).sort(),
      acknowledged: guard
        .flatMap((r) =>
          (r.suppressedViolations ?? []).flatMap((v) =>
            linesOf(v).map((finding) => ({ finding, reason: v.reason })),
          ),
        )
        .sort((a, b) => a.finding.localeCompare(b.finding)),
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The reason a security reviewer needs for running the functions outside a VPC. */
const OUTSIDE_VPC_REASON = expect.stringMatching(
  /no inbound traffic[\s\S]*only AWS APIs[\s\S]*NAT[\s\S]*endpoint[\s\S]*vpc/,
);

const outsideVpc = (stack: string) => [
  {
    finding: `CT.LAMBDA.PR.3 at ${stack}/Scheduler/StartFunction/Resource`,
    reason: OUTSIDE_VPC_REASON,
  },
  {
    finding: `CT.LAMBDA.PR.3 at ${stack}/Scheduler/StopFunction/Resource`,
    reason: OUTSIDE_VPC_REASON,
  },
];

test('the rules run: a log group without a KMS key is a CT.CLOUDWATCH.PR.3 finding', () => {
  const findings = controlTowerFindings((app) => {
    new logs.LogGroup(new Stack(app, 'Plain'), 'Logs');
  });
  expect(findings.open).toEqual(['CT.CLOUDWATCH.PR.3 at Plain/Logs/Resource']);
});

test('the example app: no open finding; only the functions outside a VPC are acknowledged, with the reason', () => {
  const findings = controlTowerFindings((app) => {
    officeHoursStack(app);
  });
  expect(findings).toEqual({ open: [], acknowledged: outsideVpc('OfficeHoursScheduler') });
});

test("the construct's defaults: no open finding; only the functions outside a VPC are acknowledged", () => {
  const findings = controlTowerFindings((app) => {
    const scheduler = new Ec2Scheduler(new Stack(app, 'Defaults'), 'Scheduler');
    scheduler.addSchedule('evening', { stop: 'cron(0 19 ? * MON-FRI *)' });
  });
  expect(findings).toEqual({ open: [], acknowledged: outsideVpc('Defaults') });
});

test('with vpc: every control passes, nothing acknowledged', () => {
  const findings = controlTowerFindings((app) => {
    const stack = new Stack(app, 'InVpc');
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    });
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', { vpc });
    scheduler.addSchedule('evening', { stop: 'cron(0 19 ? * MON-FRI *)' });
  });
  expect(findings).toEqual({ open: [], acknowledged: [] });
});

test('with coverage: the Config rule and its EventBridge rule open no finding', () => {
  const findings = controlTowerFindings((app) => {
    const scheduler = new Ec2Scheduler(new Stack(app, 'Covered'), 'Scheduler', { coverage: true });
    scheduler.addSchedule('evening', { stop: 'cron(0 19 ? * MON-FRI *)' });
  });
  expect(findings).toEqual({ open: [], acknowledged: outsideVpc('Covered') });
});

test('the deduplication table passes CT.DYNAMODB.PR.1 and PR.2, which a plain table beside it fails', () => {
  const findings = controlTowerFindings((app) => {
    const stack = new Stack(app, 'Tables');
    const scheduler = new Ec2Scheduler(stack, 'Scheduler');
    scheduler.addSchedule('evening', { stop: 'cron(0 19 ? * MON-FRI *)' });
    new dynamodb.Table(stack, 'Plain', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    });
  });
  expect(findings).toEqual({
    open: [
      'CT.DYNAMODB.PR.1 at Tables/Plain/Resource',
      'CT.DYNAMODB.PR.2 at Tables/Plain/Resource',
    ],
    acknowledged: outsideVpc('Tables'),
  });
});
