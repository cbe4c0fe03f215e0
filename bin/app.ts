/**
 * Example app: the 8-to-5 stack of `bin/office-hours.ts`, checked at synth by cdk-nag's AWS
 * Solutions rules, and on request by AWS Control Tower's proactive controls.
 */
import { App, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';
import { officeHoursStack } from './office-hours';

const app = new App();
officeHoursStack(app);

// cdk-nag's AWS Solutions checks: `cdk synth` fails on any finding that is not acknowledged.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

// Control Tower's proactive controls (cfn-guard rules, run offline by the plugin's own binary):
// `npx cdk synth -c controlTower=true`. Off by default because loading the rules costs about
// 4 s of CPU per synth; test/control-tower.test.ts runs them on this stack every time.
if (['true', true].includes(app.node.tryGetContext('controlTower'))) {
  Validations.of(app).addPlugins(new CfnGuardValidator());
}
