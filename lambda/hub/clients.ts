/**
 * The clients of a hub's invocation: STS for the spoke roles (the function's Region, SDK standard
 * retry) and Organizations for the organizational units' accounts.
 */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import type { TargetsConfig } from '../../lib/contract/schedule-input';
import { spokeRoleArn, spokeRoleNameFor } from '../../lib/contract/spoke-arn';
import { assumeSpokeRole } from '../../lib/sdk/spoke-session';
import { makeEc2Clients } from '../ec2/clients';
import { HTTP } from '../run/clients';
import { accountsOfUnits } from './organizations';
import type { TargetDeps } from './targets';

/**
 * What a hub's runs need: the spoke role of the run's action (`<spokeRoleName>-start` or `-stop`)
 * assumed through STS, and the organizational units' accounts through Organizations. Each call
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
      return makeEc2Clients({ region: target.region, credentials });
    },
    accountsOf: (units, call) => accountsOfUnits(organizations, units, call),
  };
}
