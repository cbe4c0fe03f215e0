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
};
