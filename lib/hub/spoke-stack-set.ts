/**
 * The service-managed StackSet that gives every account of a hub's organizational units the spoke
 * roles, now and as accounts join. Its template is an `Ec2SchedulerSpokeRole` synthesized in an
 * app of its own: no assets and no bootstrap version check, since StackSets deploy it into
 * accounts that were never bootstrapped.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  App,
  type AppProps,
  BootstraplessSynthesizer,
  CfnParameter,
  Fn,
  Lazy,
  Stack,
} from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { Ec2SchedulerSpokeRole } from './spoke-role';
import type { ResolvedTargets } from './targets';

/** The hub's settings the spoke template is built from. */
export interface SpokeStackSetOptions {
  readonly targets: ResolvedTargets;
  readonly tagKey: string;
  readonly auditTags: boolean;
  readonly encryptionKeys: readonly kms.IKey[];
  /** Read at synth, so schedules added after the construct are included. */
  readonly scheduleNames: () => string[];
  readonly stackSetName: string;
}

/** The spoke template's parameters, which the StackSet fills in from the hub's stack. */
const PARAMETERS = { hubAccount: 'HubAccountId', encryptionKeys: 'EncryptionKeyArns' } as const;

/**
 * The StackSet: service-managed, deployed to the OUs with automatic deployment (an account that
 * joins gets the role; one that leaves loses it), in one Region, the hub stack's: IAM is global,
 * so one stack instance per account is enough.
 */
export function createSpokeStackSet(
  scope: Construct,
  options: SpokeStackSetOptions,
): cloudformation.CfnStackSet {
  const stack = Stack.of(scope);
  const { targets } = options;
  const keyArns = options.encryptionKeys.map((key) => key.keyArn);
  let body: { key: string; template: string } | undefined;
  const template = () => {
    const names = options.scheduleNames();
    const key = JSON.stringify(names);
    if (body?.key !== key) body = { key, template: spokeTemplateBody(options, names) };
    return body.template;
  };
  const stackSet = new cloudformation.CfnStackSet(scope, 'SpokeStackSet', {
    stackSetName: options.stackSetName,
    description: `The roles ${targets.spokeRoleName}-start and ${targets.spokeRoleName}-stop that the start and stop functions of an Ec2Scheduler in account ${stack.account} assume in each account of its organizational units`,
    permissionModel: 'SERVICE_MANAGED',
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    callAs: targets.delegatedAdministrator ? 'DELEGATED_ADMIN' : 'SELF',
    capabilities: ['CAPABILITY_NAMED_IAM'],
    stackInstancesGroup: [
      {
        deploymentTargets: { organizationalUnitIds: [...targets.organizationalUnitIds] },
        regions: [stack.region],
      },
    ],
    parameters: [
      { parameterKey: PARAMETERS.hubAccount, parameterValue: stack.account },
      ...(keyArns.length > 0
        ? [{ parameterKey: PARAMETERS.encryptionKeys, parameterValue: Fn.join(',', keyArns) }]
        : []),
    ],
    templateBody: Lazy.string({ produce: template }),
  });
  // The spoke roles' own checks (their policy sizes), as errors of this StackSet at synth.
  stackSet.node.addValidation({
    validate: () => {
      try {
        template();
        return [];
      } catch (err) {
        if (err instanceof SpokeTemplateError) return err.errors.map((e) => `its template: ${e}`);
        throw err;
      }
    },
  });
  return stackSet;
}

/** The spoke template's roles failed their checks. */
class SpokeTemplateError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('; '));
  }
}

/**
 * The spoke template, as JSON: an `Ec2SchedulerSpokeRole` in a stack of a separate app, written to
 * a temporary directory (never the hub's cloud assembly) and read back.
 */
export function spokeTemplateBody(options: SpokeStackSetOptions, scheduleNames: string[]): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ec2-scheduler-spoke-'));
  try {
    const app = new App({
      outdir,
      autoSynth: false,
      analyticsReporting: false,
      stackTraces: false,
      treeMetadata: false,
      // Over the CLI's context (CDK_CONTEXT_JSON), which turns path metadata on.
      postCliContext: { 'aws:cdk:enable-path-metadata': false },
      // aws-cdk-lib 2.276+ validates every template; this one is checked by the hub's tests.
      builtinCloudFormationValidation: false,
    } as AppProps);
    const stack = new Stack(app, 'Ec2SchedulerSpoke', {
      synthesizer: new BootstraplessSynthesizer(),
      description: `Ec2Scheduler spoke roles ${options.targets.spokeRoleName}-start and -stop`,
    });
    const hubAccount = new CfnParameter(stack, PARAMETERS.hubAccount, {
      description: 'The account of the hub Ec2Scheduler, whose function roles may assume the role',
      allowedPattern: '^\\d{12}$',
    });
    const spoke = new Ec2SchedulerSpokeRole(stack, 'Spoke', {
      hubAccount: hubAccount.valueAsString,
      roleName: options.targets.spokeRoleName,
      tagKey: options.tagKey,
      scheduleNames,
      encryptionKeys: encryptionKeysOf(stack, options.encryptionKeys.length),
      organizationId: options.targets.organizationId,
      auditTags: options.auditTags,
      regions: [...options.targets.regions],
      // The hub has checked its Regions (known, or allowed, and of its partition).
      allowUnknownRegions: true,
    });
    const errors = [spoke.startRole, spoke.stopRole].flatMap((role) => role.node.validate());
    if (errors.length > 0) throw new SpokeTemplateError(errors);
    return JSON.stringify(app.synth().getStackByName(stack.stackName).template);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The hub's EBS keys, from the template's list parameter (their ARNs may be hub-stack tokens). */
function encryptionKeysOf(stack: Stack, count: number): kms.IKey[] | undefined {
  if (count === 0) return undefined;
  const arns = new CfnParameter(stack, PARAMETERS.encryptionKeys, {
    type: 'CommaDelimitedList',
    description: 'ARNs of the KMS keys of the EBS volumes, on which the role may create grants',
  });
  return Array.from({ length: count }, (_, i) =>
    kms.Key.fromKeyArn(stack, `EncryptionKey${i}`, Fn.select(i, arns.valueAsList)),
  );
}
