#!/usr/bin/env bash
# Makes the Pulumi CLI available to this project without the internet.
#
# 1. A `pulumi` already on PATH (the normal install) is used as it is.
# 2. Otherwise the pinned CLI is built from its Go module into .tools/pulumi/<version>/ (ignored by
#    git, cached between runs). github.com/pulumi/pulumi/pkg/v3 carries `replace` directives, so a
#    plain `go install mod@version` refuses it: we build it from a small wrapper module that requires
#    it and repeats its replaces.
#
# 3. The Node.js language host (pulumi-language-nodejs), which `pulumi up` starts to compile and run a
#    TypeScript/JavaScript program: from PATH or beside the CLI (a normal install has it there), else
#    built from the source kept in ../shared/tools/pulumi-language-nodejs (ENTRA_LANGUAGE_HOST_SRC
#    overrides the folder) into the same bin folder. Its Go module is not served by the module proxy.
# 4. The dynamic-provider launcher (pulumi-resource-pulumi-nodejs) ships inside @pulumi/pulumi; it is
#    copied next to the CLI, where a normal install keeps it, so the engine finds it as a bundled plugin.
#
# Prints the folder to put first on PATH as its last line.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# The CLI (engine) this project is measured and tested with (docs/compatibility.md). Not the installed
# SDK's version: @pulumi/pulumi is a range, locked at the newest release that supports Node.js 20,
# and any 3.x CLI runs any 3.x SDK.
version=${PULUMI_VERSION:-3.276.0}
bin="$root/.tools/pulumi/$version/bin"

# The language host: beside the CLI in $1, on PATH, or built from source into .tools (never into a
# user's own Pulumi install).
ensure_language_host() {
  local dir=$1
  [ -x "$dir/pulumi-language-nodejs" ] && return 0
  [ -x "$bin/pulumi-language-nodejs" ] && return 0
  command -v pulumi-language-nodejs >/dev/null 2>&1 && return 0
  local src=${ENTRA_LANGUAGE_HOST_SRC:-$root/../shared/tools/pulumi-language-nodejs}
  if [ ! -f "$src/build.sh" ] || ! command -v go >/dev/null 2>&1; then
    echo "ensure-pulumi: no Node.js language host (pulumi-language-nodejs) beside $dir/pulumi or on PATH, and none to build (no $src/build.sh or no Go toolchain). Install Pulumi the normal way (https://www.pulumi.com/docs/install/), which puts it beside the CLI, or set ENTRA_LANGUAGE_HOST_SRC to its source." >&2
    return 1
  fi
  mkdir -p "$bin"
  echo "ensure-pulumi: building pulumi-language-nodejs from $src into $bin (about a minute)" >&2
  bash "$src/build.sh" "$bin" >/dev/null
}

if [ -z "${ENTRA_FORCE_PULUMI_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1; then
  have=$(pulumi version 2>/dev/null | sed 's/^v//')
  here=$(dirname "$(command -v pulumi)")
  echo "ensure-pulumi: using pulumi $have from PATH ($here)" >&2
  ensure_language_host "$here"
  # A host built into .tools is reached through PATH; the CLI stays the one found on PATH.
  if [ ! -x "$here/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-language-nodejs" ]; then echo "$bin"; else echo "$here"; fi
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
ensure_language_host "$bin"

echo "ensure-pulumi: pulumi $("$bin/pulumi" version 2>/dev/null) at $bin" >&2
echo "$bin"
