/**
 * Target Regions checked against aws-cdk-lib's own Region facts (`RegionInfo`): each a Region it
 * knows (unless the user allows newer ones), all in one partition, the hub stack's. A Region of
 * another partition could never be reached: the hub's grants name its own partition's ARNs, and
 * IAM roles do not cross partitions.
 */
import { Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { REGION_NAME } from '../common/aws-ids';
import { closestName } from '../common/closest-name';
import { partitionOfRegion } from '../iam/partitions';

export { partitionOfRegion };

const known = () => RegionInfo.regions.map((r) => r.name);

/**
 * Checks each of `regions` (as `field[i]`): a Region name, listed once, and a Region aws-cdk-lib
 * knows unless `allowUnknown` (named `allowField` in the message). Tokens pass.
 * @throws Error naming the field, the value and the fix
 */
export function validateRegionNames(
  field: string,
  regions: readonly string[],
  allowUnknown: boolean,
  allowField: string,
): void {
  const seen = new Set<string>();
  regions.forEach((region, i) => {
    if (Token.isUnresolved(region)) return;
    if (!REGION_NAME.test(region)) {
      throw new Error(
        `${field}[${i}] "${region}" is not a Region name; write Region codes such as "us-east-1" or "eu-central-1"`,
      );
    }
    if (seen.has(region)) throw new Error(`${field} lists "${region}" twice; list each once`);
    seen.add(region);
    if (allowUnknown || RegionInfo.get(region).partition !== undefined) return;
    const closest = closestName(region, known());
    throw new Error(
      `${field}[${i}] "${region}" is not a Region that aws-cdk-lib knows;` +
        (closest ? ` did you mean "${closest}"?` : ' check the spelling.') +
        ` For a Region newer than your aws-cdk-lib, set ${allowField}: true`,
    );
  });
}

/**
 * Checks that `regions` are all in the partition of `stackRegion` (the stack that holds the
 * roles); when that is a token, that they are at least all in one partition.
 * @throws Error naming the field, the Regions, their partitions and the fix
 */
export function validateRegionPartition(
  field: string,
  regions: readonly string[],
  stackRegion: string,
  stackName: string,
): void {
  const literal = regions.filter((r) => !Token.isUnresolved(r));
  if (!Token.isUnresolved(stackRegion)) {
    const home = partitionOfRegion(stackRegion);
    const i = regions.findIndex((r) => literal.includes(r) && partitionOfRegion(r) !== home);
    if (i < 0) return;
    const partition = partitionOfRegion(regions[i]);
    throw new Error(
      `${field}[${i}] "${regions[i]}" is in partition ${partition}, but ${stackName} is in ${stackRegion} (partition ${home}); roles and ARNs do not cross partitions, so leave it out, or act there from a stack in ${partition}`,
    );
  }
  const [first, ...rest] = literal;
  const other = rest.find((r) => partitionOfRegion(r) !== partitionOfRegion(first));
  if (other === undefined) return;
  throw new Error(
    `${field} mixes partitions: "${first}" is in ${partitionOfRegion(first)} and "${other}" in ${partitionOfRegion(other)}; roles and ARNs do not cross partitions, so give the Regions of one partition and deploy ${stackName} in that partition`,
  );
}
