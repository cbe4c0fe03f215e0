/**
 * Finding a schedule's node groups without listing every cluster: the Resource Groups Tagging
 * API's `GetResources`, filtered by the tag `<tagKey>=<schedule>` and the type `eks:nodegroup`
 * (50 a page, valid under every version of the API reference; the last page's token is empty),
 * then one `DescribeNodegroup` each for its status, scaling config and current tags.
 */
import { DescribeNodegroupCommand, type Nodegroup } from '@aws-sdk/client-eks';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import type { RunContext } from '../run/context';
import type { EksRunDeps } from './clients';

const PER_PAGE = 50;

/** A node group's address: the cluster and the node group's name. */
export interface NodegroupRef {
  readonly clusterName: string;
  readonly nodegroupName: string;
}

/** `cluster/nodegroup`: how a node group is named in the run's record. */
export function idOf(ref: NodegroupRef): string {
  return `${ref.clusterName}/${ref.nodegroupName}`;
}

/** The cluster and name a node-group ARN holds (`arn:<p>:eks:<r>:<a>:nodegroup/<c>/<n>/<uuid>`). */
export function refOf(arn: string): NodegroupRef | undefined {
  const m = /^arn:[^:]+:eks:[^:]*:\d*:nodegroup\/([^/]+)\/([^/]+)\/[^/]+$/.exec(arn);
  return m ? { clusterName: m[1], nodegroupName: m[2] } : undefined;
}

/** The node groups tagged `<tagKey>=<schedule>`, each page and call within the budget. */
export async function listTagged(ctx: RunContext<EksRunDeps>): Promise<NodegroupRef[]> {
  const { deps, event, budget } = ctx;
  const out: NodegroupRef[] = [];
  let PaginationToken: string | undefined;
  do {
    const page = await budget.call((o) =>
      deps.tagging.send(
        new GetResourcesCommand({
          TagFilters: [{ Key: event.tagKey, Values: [event.schedule] }],
          ResourceTypeFilters: ['eks:nodegroup'],
          ResourcesPerPage: PER_PAGE,
          PaginationToken,
        }),
        o,
      ),
    );
    for (const m of page.ResourceTagMappingList ?? []) {
      const ref = refOf(m.ResourceARN ?? '');
      if (ref) out.push(ref);
    }
    PaginationToken = page.PaginationToken || undefined;
  } while (PaginationToken);
  return out;
}

/** The node group as EKS describes it now. */
export async function describe(ctx: RunContext<EksRunDeps>, ref: NodegroupRef): Promise<Nodegroup> {
  const out = await ctx.budget.call((o) =>
    ctx.deps.eks.send(new DescribeNodegroupCommand({ ...ref }), o),
  );
  if (!out.nodegroup) throw new Error(`DescribeNodegroup returned no node group for ${idOf(ref)}`);
  return out.nodegroup;
}
