/** The partition of a Region, as aws-cdk-lib knows it (the prefix rule for Regions it does not). */
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { partitionOf } from '../common/partition';

/** The partition of a Region: aws-cdk-lib's fact for a Region it knows, else by its prefix. */
export function partitionOfRegion(region: string): string {
  return RegionInfo.get(region).partition ?? partitionOf(region);
}
