/**
 * The AWS partition of a Region, for ARNs the functions and the CLI build at run time (they cannot
 * load aws-cdk-lib's Region facts). test/regions.test.ts holds it to `RegionInfo` for every Region
 * aws-cdk-lib knows.
 */
const PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['us-iso-', 'aws-iso'],
  ['eu-isoe-', 'aws-iso-e'],
  ['eusc-', 'aws-eusc'],
];

/** The partition of `region`: `aws` unless its prefix names another. */
export function partitionOf(region: string | undefined): string {
  return PREFIXES.find(([prefix]) => region?.startsWith(prefix))?.[1] ?? 'aws';
}
