/**
 * The clients of a hub's invocation: STS for the spoke roles (the function's Region, SDK standard
 * retry) and Organizations for the organizational units' accounts.
 */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import type { TargetsConfig } from '../../lib/contract/schedule-input';
import { spokeRoleArn, spokeRoleNameFor } from '../../lib/contract/spoke-arn';
import { assumeSpokeRole } from '../../lib/sdk/spoke-session';
import { makeAutoScalingClient } from '../auto-scaling/clients';
import { makeEc2Clients } from '../ec2/clients';
import { makeEksClients } from '../eks/clients';
import { HTTP } from '../run/clients';
import { accountsOfUnits } from './organizations';
import type { TargetDeps } from './targets';

/**
 * What a hub's runs need: the spoke role of the run's action (`<spokeRoleName>-start` or `-stop`)
 * assumed through STS (its credentials for the target's EC2, Auto Scaling, EKS and Tagging clients), and the organizational units' accounts through Organizations. Each call
 * gets the invocation's deadline-bound options.
 */
export function makeTargetDeps(config: TargetsConfig): TargetDeps {
  const sts = new STSClient({ requestHandler: HTTP });
  const organizations = new OrganizationsClient({ requestHandler: HTTP });
  return {
    config,
    connect: async (target, session, call) => {
      const roleName = spokeRoleNameFor(config.spokeRoleName, session.action);
      const roleArn = spokeRoleArn(target.account, target.region, roleName);
      const credentials = await call((options) =>
        assumeSpokeRole(sts, roleArn, session.name, options),
      );
      const scope = { region: target.region, credentials };
      return {
        ...makeEc2Clients(scope),
        autoScaling: makeAutoScalingClient(scope),
        ...makeEksClients(scope),
      };
    },
    accountsOf: (units, call) => accountsOfUnits(organizations, units, call),
  };
}
