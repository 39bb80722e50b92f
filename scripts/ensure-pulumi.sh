#!/usr/bin/env bash
# Makes the Pulumi CLI available to this project without the internet.
#
# 1. A `pulumi` already on PATH (the normal install) is used as it is.
# 2. Otherwise the pinned CLI is built from its Go module into .tools/pulumi/<version>/ (ignored by
#    git, cached between runs). github.com/pulumi/pulumi/pkg/v3 carries `replace` directives, so a
#    plain `go install mod@version` refuses it: we build it from a small wrapper module that requires
#    it and repeats its replaces.
#
# The Node.js language host (pulumi-language-nodejs) is not needed: the tests and the demo run their
# programs through the Automation API, whose Node.js SDK serves the language runtime itself. (Its Go
# module is not served by the module proxy here, so it cannot be built.) The dynamic-provider
# launcher (pulumi-resource-pulumi-nodejs) ships inside @pulumi/pulumi; it is copied next to the CLI,
# where a normal install keeps it, so the engine finds it as a bundled plugin.
#
# Prints the folder to put first on PATH as its last line.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=${PULUMI_VERSION:-$(node -p "require('$root/node_modules/@pulumi/pulumi/package.json').version" 2>/dev/null || echo 3.276.0)}
bin="$root/.tools/pulumi/$version/bin"

if [ -z "${ENTRA_FORCE_PULUMI_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1; then
  have=$(pulumi version 2>/dev/null | sed 's/^v//')
  echo "ensure-pulumi: using pulumi $have from PATH ($(command -v pulumi))" >&2
  dirname "$(command -v pulumi)"
  exit 0
fi

if [ ! -x "$bin/pulumi" ]; then
  command -v go >/dev/null 2>&1 || { echo "ensure-pulumi: no 'pulumi' on PATH and no Go toolchain to build it; install Pulumi (https://www.pulumi.com/docs/install/)" >&2; exit 1; }
  echo "ensure-pulumi: building pulumi v$version from its Go module (first run takes a few minutes)" >&2
  work="$root/.tools/pulumi/$version/build"
  rm -rf "$work"; mkdir -p "$work" "$bin"
  cat > "$work/go.mod" <<MOD
module entra-invitation/pulumi-cli

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 v$version
	github.com/pulumi/pulumi/sdk/v3 v$version
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
  cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
  (
    cd "$work"
    export GOFLAGS="${GOFLAGS:-} -mod=mod" GOTOOLCHAIN=local
    go mod tidy -e >/dev/null 2>"$work/tidy.log" || true
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
      -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  )
  rm -rf "$work"
fi

launcher="$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
[ -f "$launcher" ] && install -m 0755 "$launcher" "$bin/pulumi-resource-pulumi-nodejs"

echo "ensure-pulumi: pulumi $("$bin/pulumi" version 2>/dev/null) at $bin" >&2
echo "$bin"
