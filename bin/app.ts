/**
 * Example app: the 8-to-5 stack of `bin/office-hours.ts`, checked at synth by cdk-nag's AWS
 * Solutions rules.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { officeHoursStack } from './office-hours';

const app = new App();
officeHoursStack(app);

// cdk-nag's AWS Solutions checks: `cdk synth` fails on any finding that is not acknowledged.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
