/**
 * `npm run test:fast`: every suite except those that run the shipped bundles end to end (their own
 * processes, real deadlines and retries) and the Control Tower suite (cfn-guard over each
 * template). `npm test` runs them all.
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
  ],
};
