#!/usr/bin/env bash
# Consumer test: pack the library as npm would publish it, install the tarball into a fresh
# TypeScript CDK app (test/consumer/app.ts: the README example and a tagged instance; and the
# README's complete app with its cdk-nag block as written, scripts/readme-app.mjs) at the
# minimum supported aws-cdk-lib/constructs and at the newest on the registry (looked up when the
# test runs), and in each check that tsc passes, exactly one aws-cdk-lib and one constructs are
# installed, `cdk synth` succeeds (built-in template validation on, where the aws-cdk-lib has it),
# the preview command reads the app's cloud assembly, and the library alone in explicit-env
# stacks (a scheduler, a hub, spoke roles) passes cdk-nag's AwsSolutionsChecks (NAG=1). Prints
# the figures the closing notes quote. Needs the npm registry.
#
# NODE_MINIMUM and NODE_NEWEST, when set, are the Node.js binaries the two apps are compiled,
# synthesized and previewed with (.ci/run: the oldest and newest Node.js the package supports).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# label aws-cdk-lib constructs cdk-nag node
newest() { npm view "$1" version --silent; }
VERSIONS=(
  "minimum 2.269.0 10.5.1 3.0.2 ${NODE_MINIMUM:-node}"
  "newest $(newest aws-cdk-lib) $(newest constructs) $(newest cdk-nag) ${NODE_NEWEST:-node}"
)
TYPESCRIPT=6.0.3
TYPES_NODE=20.19.43

cd "$repo"
# A fresh clone's pack: `prepare` builds the jsii assembly, the compiled library and the bundles.
# Its build output shares stdout with the JSON report, which starts at the line "[".
npm pack --pack-destination "$work" --json --silent | sed -n '/^\[$/,$p' > "$work/pack.json"
tarball="$work/$(node -p "require('$work/pack.json')[0].filename")"
node -e '
  const [p] = require(process.argv[1]);
  const has = (f) => p.files.some((x) => x.path === f);
  const need = [".jsii", ".jsii.tabl.json", "API.md", "LICENSE", "NOTICE", "README.md", "BENCHMARKS.md",
    "dist/lib/index.js", "dist/lib/index.d.ts", "assets/start/index.js", "assets/stop/index.js",
    "assets/cli.js", "bin/cdk-ec2-scheduler.js", "schema/schedule-input.schema.json"];
  const missing = need.filter((f) => !has(f));
  if (missing.length) { console.error("the package lacks " + missing.join(", ")); process.exit(1); }
  console.log(`package: ${p.filename}, ${p.size} bytes packed, ${p.unpackedSize} unpacked, ${p.entryCount} files`);
' "$work/pack.json"
cdk="$repo/node_modules/.bin/cdk"

for entry in "${VERSIONS[@]}"; do
  read -r label cdklib constructs cdknag node <<<"$entry"
  nodedir="$(dirname "$(command -v "$node")")"
  app="$work/app-$label"
  mkdir -p "$app"
  cp "$repo/test/consumer/app.ts" "$repo/test/consumer/tsconfig.json" "$app/"
  node "$repo/scripts/readme-app.mjs" "$app/readme-app.ts"
  cd "$app"
  cat > package.json <<JSON
{ "name": "consumer-$label", "version": "1.0.0", "private": true,
  "dependencies": { "aws-cdk-lib": "$cdklib", "constructs": "$constructs", "cdk-nag": "$cdknag" },
  "devDependencies": { "typescript": "$TYPESCRIPT", "@types/node": "$TYPES_NODE" } }
JSON
  echo "== $label: aws-cdk-lib $cdklib, constructs $constructs, cdk-nag $cdknag, Node.js $("$node" --version)"
  npm install --no-audit --no-fund --loglevel=error >/dev/null
  npm install --no-audit --no-fund --loglevel=error "$tarball" >/dev/null
  for name in aws-cdk-lib constructs; do
    copies=$(npm query "#$name" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).length))')
    if [ "$copies" != 1 ]; then echo "$label: $copies copies of $name installed" >&2; exit 1; fi
  done
  echo "one aws-cdk-lib and one constructs installed; the library takes $(du -sk node_modules/cdk-ec2-scheduler | cut -f1) KiB"
  # From here on the app's Node.js: tsc, the cdk CLI and the app, the preview command.
  PATH="$nodedir:$PATH"
  npx tsc -p tsconfig.json
  run_synth() {
    local t0 t1
    t0=$(date +%s%N)
    "$cdk" synth -q --app "node out/app.js" -o "$1" --no-notices -c cli-telemetry=false >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
  }
  # SYNTH_RUNS=3 for figures to quote: runs alternate, and the median of each is printed.
  withouts=() withs=()
  for _ in $(seq "${SYNTH_RUNS:-1}"); do
    withouts+=("$(WITHOUT_SCHEDULER=1 run_synth cdk.out.plain)")
    withs+=("$(run_synth cdk.out)")
  done
  median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
  echo "cdk synth: $(median "${withouts[@]}") ms without the scheduler, $(median "${withs[@]}") ms with it (median of ${SYNTH_RUNS:-1}: ${withouts[*]} / ${withs[*]})"
  out=$(npx cdk-ec2-scheduler preview cdk.out --from 2026-12-21T00:00:00Z --count 2)
  echo "$out"
  grep -q '^office-hours (ConsumerStack, America/New_York)' <<<"$out"
  grep -q '2026-12-21T08:00:00-05:00  2026-12-21T13:00:00Z  start' <<<"$out"
  # cdk-nag: the synth fails on any finding no acknowledgement covers.
  NAG=1 "$cdk" synth -q --app "node out/app.js" -o cdk.out.nag --no-notices -c cli-telemetry=false \
    >nag.log 2>&1 || { cat nag.log >&2; exit 1; }
  echo "cdk-nag AwsSolutionsChecks: no unacknowledged finding in $(ls cdk.out.nag/*.template.json | wc -l) explicit-env stacks (scheduler, hub, spoke roles)"
  # The README's complete app and its cdk-nag block, as a user copies them. Its stack names an
  # account, so the VPC looks up the Region's Availability Zones: a user's credentials answer that
  # (and cdk.context.json keeps it); here the context gives the answer.
  echo '{ "availability-zones:account=123456789012:region=us-east-1": ["us-east-1a", "us-east-1b"] }' >cdk.context.json
  "$cdk" synth -q --app "node out/readme-app.js" -o cdk.out.readme --no-notices -c cli-telemetry=false \
    >readme.log 2>&1 || { cat readme.log >&2; exit 1; }
  echo "the README's app: synthesized, cdk-nag AwsSolutionsChecks with no unacknowledged finding"
  PATH="${PATH#"$nodedir:"}"
  cd "$repo"
done
echo "consumer test passed"
