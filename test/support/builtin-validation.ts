/**
 * Jest setup file (see jest.config.js): CDK's built-in CloudFormation validation off for the
 * tests' synths. aws-cdk-lib reads only the `CDK_VALIDATION` variable for it (the
 * `builtinCloudFormationValidation` prop is ignored), and its engine takes about 8 s to load in
 * every test file (jest gives each file its own modules) and about 1 s a synth. It checks nothing
 * the tests assert, except where a test says so with `withBuiltinValidation`; `cdk synth` of the
 * example app in CI keeps it on. `CDK_VALIDATION=true npx jest` runs every synth with it.
 */
process.env.CDK_VALIDATION ??= 'false';
