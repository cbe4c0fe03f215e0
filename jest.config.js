/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/harness'],
  testMatch: ['**/*.test.ts'],
  // CDK's built-in CloudFormation validation off (about 8 s a test file): see the file.
  setupFiles: ['<rootDir>/test/support/builtin-validation.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  // One worker per core (jest's default leaves one core to itself, i.e. a single worker on two
  // cores): the end-to-end suites mostly wait on their child processes and real deadlines.
  maxWorkers: '100%',
  // Under load, a test that takes 2 s alone can take over jest's default 5 s.
  testTimeout: 30_000,
};
