#!/usr/bin/env bash
# The package as a user gets it: `npm pack` (which builds it), the tarball installed into an
# empty folder, and the installed `hvosim` run: --version, a default boot (text and --json),
# a machine file (the JSON reader's chunk), and `serve` handing out the web page and its assets.
# Needs the npm registry (the one run-time dependency, cli-progress). .ci/run runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/hvosim-pack.XXXXXX")
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
echo "pack-check: $tarball ($(du -h "$work/$tarball" | cut -f1))"
tar -tzf "$work/$tarball" > "$work/contents"
for f in package/bin/hvosim.js package/dist/cli/main.js package/dist-web/index.html package/README.md; do
  grep -qx "$f" "$work/contents" || { echo "pack-check: $f is not in the tarball" >&2; exit 1; }
done
if grep -qE '^package/(src|test|node_modules)/' "$work/contents"; then
  echo "pack-check: the tarball ships sources, tests or node_modules" >&2
  exit 1
fi
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" >/dev/null
bin=./node_modules/.bin/hvosim
[ "$($bin --version)" = "$(node -p "require('$work/app/node_modules/hvosim/package.json').version")" ]
$bin boot | grep -q 'HugeTLB: registered 1.00 GiB page size, pre-allocated 2 pages'
$bin boot --json | node -e 'const j = JSON.parse(require("fs").readFileSync(0)); if (j.counts.hugePages !== 2) process.exit(1)'
printf '{ "q35": { "nodes": ["3G", "3G"] }, "cmdline": "hugepagesz=1G hugepages=2" }\n' > box.json
$bin boot --machine box.json --meminfo | grep -q '^Hugetlb: *2097152 kB$'
# check generates its cases with fast-check, bundled like every other library.
# (exit 1 is a finding, which is not this script's business.)
status=0
$bin check --runs 3 --json > check.json || status=$?
[ "$status" -le 1 ] && node -e 'const j = JSON.parse(require("fs").readFileSync("check.json")); if (j.runs !== 3) process.exit(1)'
# serve: the page and every asset it names.
node --input-type=module -e '
import { spawn } from "node:child_process";
const p = spawn("./node_modules/.bin/hvosim", ["serve", "--port", "0", "--json"], { stdio: ["ignore", "pipe", "inherit"] });
let out = "";
for await (const chunk of p.stdout) {
  out += chunk;
  if (out.includes("\n")) break;
}
try {
  const { url } = JSON.parse(out);
  const page = await (await fetch(url)).text();
  const assets = [...page.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]);
  if (!page.includes("<html") || !assets.length) throw new Error("no page");
  for (const a of assets) if ((await fetch(url + a)).status !== 200) throw new Error(`${a} not served`);
  console.log(`pack-check: serve gave the page and ${assets.length} assets`);
} finally {
  p.kill();
}'
echo "pack-check: ok"
