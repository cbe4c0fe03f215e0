/**
 * The example app's cdk.json carries the feature flags `cdk init` writes for a new app: every
 * flag aws-cdk-lib recommends (its `recommended-feature-flags.json`, the file `cdk init` reads),
 * at the recommended value, so `cdk synth` reports no unconfigured flag and the example shows
 * the construct as a new app builds it. Fails when an aws-cdk-lib upgrade adds a flag: copy it in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as {
  context?: Record<string, unknown>;
};
const recommended = JSON.parse(
  fs.readFileSync(require.resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8'),
) as Record<string, unknown>;

test('cdk.json has every recommended feature flag of the installed aws-cdk-lib, at its value', () => {
  const context = cdkJson.context ?? {};
  const wrong = Object.entries(recommended)
    .filter(([flag, value]) => JSON.stringify(context[flag]) !== JSON.stringify(value))
    .map(
      ([flag, value]) =>
        `${flag}: ${JSON.stringify(context[flag])}, recommended ${JSON.stringify(value)}`,
    );
  expect(wrong).toEqual([]);
  expect(Object.keys(recommended).length).toBeGreaterThan(80);
});
