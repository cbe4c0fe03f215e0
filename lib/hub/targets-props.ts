/**
 * What a hub's props are: where it acts (`Ec2SchedulerTargets`, part of the public API) and the
 * settings that apply only with it, as the hub's checks read them from `Ec2SchedulerProps`.
 */

/**
 * Where a hub scheduler acts: every target account (listed, or found in the organizational units
 * at run time) in every Region given. At least one account or OU.
 */
export interface Ec2SchedulerTargets {
  /**
   * Account ids (12 digits). Each needs the spoke role, e.g. by an `Ec2SchedulerSpokeRole`.
   * @default - no listed accounts: give `organizationalUnitIds`
   */
  readonly accounts?: string[];

  /**
   * Organizational unit ids (`ou-...`). The functions act in every account of these OUs and of
   * their child OUs, listed through AWS Organizations at run time; a service-managed StackSet with
   * automatic deployment gives each of them the spoke role.
   * @default - no organizational units: give `accounts`
   */
  readonly organizationalUnitIds?: string[];

  /**
   * Region names (e.g. `us-east-1`) to act in, in every target account: Regions aws-cdk-lib knows
   * (see `allowUnknownRegions`), in the partition of the hub's stack.
   */
  readonly regions: string[];

  /**
   * Accept Regions that aws-cdk-lib does not know yet (AWS opens Regions before a library release
   * lists them). Only their shape is checked then, so a typo is not caught before the first run
   * (the target then fails with the cause).
   * @default false - a Region aws-cdk-lib does not know fails synth, naming the closest one it knows
   */
  readonly allowUnknownRegions?: boolean;
}

/** The props of an `Ec2Scheduler` that make it a hub, as `resolveTargets` reads them. */
export interface HubSettings {
  readonly targets?: Ec2SchedulerTargets;
  readonly spokeRoleName?: string;
  readonly organizationId?: string;
  readonly delegatedAdministrator?: boolean;
}
