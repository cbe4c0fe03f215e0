#!/usr/bin/env node
// The `cdk-ec2-scheduler` command (see lib/cli/cli.ts); bundled into assets/cli.js by `npm run bundle`.
require('../assets/cli.js');
