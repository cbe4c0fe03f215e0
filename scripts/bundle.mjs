// Bundles the Lambda handlers into assets/<name>/index.js with esbuild, so that a user's
// `cdk synth` needs neither esbuild nor Docker, and the `cdk-ec2-scheduler` command into
// assets/cli.js.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * The AWS SDK's generated schema modules write object keys as computed properties
 * (`{ [_xN]: _m }`, where `const _xN = "xmlName"`). esbuild cannot prove a computed key free of
 * side effects, so it keeps every schema of the EC2 API (about 550 KB) although the handlers use
 * three operations. Replacing each such key by the string literal it names changes nothing at
 * run time and lets esbuild drop the unused schemas.
 */
const literalSchemaKeys = {
  name: 'literal-schema-keys',
  setup(b) {
    b.onLoad(
      { filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/].*\.js$/ },
      async (args) => {
        const source = await readFile(args.path, 'utf8');
        const strings = new Map();
        for (const m of source.matchAll(/^const (_\w+) = ("(?:[^"\\]|\\.)*");$/gm))
          strings.set(m[1], m[2]);
        const contents = source.replace(/\[(_\w+)\]:/g, (whole, name) =>
          strings.has(name) ? `${strings.get(name)}:` : whole,
        );
        return { contents, loader: 'js' };
      },
    );
  },
};

for (const name of ['start', 'stop']) {
  await build({
    entryPoints: [path.join(root, 'lambda', `${name}.ts`)],
    outfile: path.join(root, 'assets', name, 'index.js'),
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    mainFields: ['module', 'main'],
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [literalSchemaKeys],
  });
}

await build({
  stdin: {
    // The AWS SDK warns (NodeVersionSupportWarning, 9 lines on stderr) on a Node.js that its
    // releases after a date will not support. It speaks to applications that update the SDK: the
    // SDK in this bundle is fixed when the package is built, so a user of the command can do
    // nothing about it (the package's "engines" says which Node.js it supports). The SDK's
    // documented switch turns it off, unless the user set it (aws/aws-sdk-js-v3#7983).
    contents: `import { main } from './lib/cli/cli';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
main(process.argv.slice(2), {
  out: (line: string) => console.log(line),
  err: (line: string) => console.error(line),
}).then((code) => {
  process.exitCode = code;
});`,
    loader: 'ts',
    resolveDir: root,
    sourcefile: 'cli-entry.ts',
  },
  outfile: path.join(root, 'assets', 'cli.js'),
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // `status` and `override` call EC2: the same SDK build, and trimming, as the handlers'.
  mainFields: ['module', 'main'],
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [literalSchemaKeys],
});
