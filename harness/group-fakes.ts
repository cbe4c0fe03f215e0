/**
 * The fakes behind the scheduler's group kinds, started together over one EC2 model: Auto Scaling
 * (its groups launch and terminate the model's instances), EKS (node groups backed by Auto Scaling
 * groups of that fake) and the Resource Groups Tagging API (GetResources over the node groups),
 * all on Auto Scaling's clock, so activity and update times agree with the functions' clock.
 */
import { startAutoScalingEndpoint, type AutoScalingEndpoint } from './autoscaling';
import type { Ec2Model } from './ec2';
import { startEksEndpoint, type EksEndpoint } from './eks';
import { startTaggingEndpoint, type TaggingEndpoint } from './tagging';

/** The group fakes' base URLs, as `FakeEndpoints` (harness/assembly.ts) takes them. */
export interface GroupEndpointUrls {
  readonly autoScaling: string;
  readonly eks: string;
  readonly tagging: string;
}

export class GroupFakes {
  /** @internal use {@link startGroupFakes}. */
  constructor(
    readonly autoScaling: AutoScalingEndpoint,
    readonly eks: EksEndpoint,
    readonly tagging: TaggingEndpoint,
  ) {}

  get urls(): GroupEndpointUrls {
    return { autoScaling: this.autoScaling.url, eks: this.eks.url, tagging: this.tagging.url };
  }

  /** The SDK's endpoint variables for the three (a process reaching them, such as the CLI). */
  get env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_AUTO_SCALING: this.autoScaling.url,
      AWS_ENDPOINT_URL_EKS: this.eks.url,
      AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: this.tagging.url,
    };
  }

  /** The clock of all three, as an offset from the wall clock (the functions' clock in e2e tests). */
  set clockOffsetMs(ms: number) {
    this.autoScaling.clockOffsetMs = ms;
  }

  /** No groups, node groups, updates, faults, delays or recorded requests. */
  reset(): void {
    this.autoScaling.reset();
    this.autoScaling.launchMs = 0;
    this.autoScaling.terminateMs = 0;
    this.eks.reset();
    this.eks.updateMs = 0;
    this.tagging.reset();
  }

  async close(): Promise<void> {
    await Promise.all([this.autoScaling.close(), this.eks.close(), this.tagging.close()]);
  }
}

/** Starts Auto Scaling, EKS and Tagging fakes over `ec2` on 127.0.0.1; `close()` them. */
export async function startGroupFakes(ec2: Ec2Model): Promise<GroupFakes> {
  const autoScaling = await startAutoScalingEndpoint(ec2);
  const eks = await startEksEndpoint(() => autoScaling.time(), autoScaling);
  const tagging = await startTaggingEndpoint(eks);
  return new GroupFakes(autoScaling, eks, tagging);
}
