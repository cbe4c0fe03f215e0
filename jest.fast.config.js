/**
 * `npm run test:fast`: every suite except those that run the shipped bundles end to end (their own
 * processes, real deadlines and retries) and the two that validate whole templates as `cdk synth`
 * does: Control Tower's (cfn-guard over each template) and synth-validation (CDK's built-in
 * CloudFormation validation, whose engine takes about 8 s to load). `npm test` runs them all.
 * @type {import('jest').Config}
 */
module.exports = {
  ...require('./jest.config'),
  testPathIgnorePatterns: [
    '/node_modules/',
    '/test/e2e[^/]*\\.test\\.ts$',
    '/test/reliability\\.test\\.ts$',
    '/test/cli-bundle\\.test\\.ts$',
    '/test/control-tower\\.test\\.ts$',
    '/test/synth-validation\\.test\\.ts$',
  ],
};
