#!/usr/bin/env bash
# Builds the pinned Helm, helm-docs (which writes the chart README's values table) and
# promql-check (Prometheus's PromQL parser, test/deploy/promql, for the chart's alert rules) from
# the Go module proxy into a git-ignored cache, for the chart tests. A second run is a no-op when
# those versions' binaries are already there.
#   HELM_BIN_DIR          where to put helm (default: <repo>/.hub/bin/helm-<version>); the tests read it too.
#   HELM_DOCS_BIN_DIR     likewise for helm-docs (default: <repo>/.hub/bin/helm-docs-<version>).
#   PROMQL_CHECK_BIN_DIR  likewise for promql-check (default: <repo>/.hub/bin/promql-check-<prometheus version>).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

# install <name> <module path of the command> <version file> <bin dir>
install() {
  local name=$1 pkg=$2 version bin
  version=$(tr -d '[:space:]' < "$here/$3")
  bin=${4:-$repo/.hub/bin/$name-$version}
  if [[ -x $bin/$name ]]; then
    echo "$name $version is ready in $bin"
    return
  fi
  echo "[helm build] go install $pkg@$version into $bin" >&2
  mkdir -p "$bin"
  GOBIN=$bin go install "$pkg@$version"
  echo "$name $version is ready in $bin"
}

install helm helm.sh/helm/v3/cmd/helm HELM_VERSION "${HELM_BIN_DIR:-}"
install helm-docs github.com/norwoodj/helm-docs/cmd/helm-docs HELM_DOCS_VERSION "${HELM_DOCS_BIN_DIR:-}"

promql=$repo/test/deploy/promql
prometheus=$(awk '$1 == "require" && $2 == "github.com/prometheus/prometheus" { print $3 }' "$promql/go.mod")
bin=${PROMQL_CHECK_BIN_DIR:-$repo/.hub/bin/promql-check-$prometheus}
if [[ -x $bin/promql-check ]]; then
  echo "promql-check $prometheus is ready in $bin"
else
  echo "[helm build] promql-check with github.com/prometheus/prometheus $prometheus into $bin" >&2
  mkdir -p "$bin"
  (cd "$promql" && go build -o "$bin/promql-check" .)
  echo "promql-check $prometheus is ready in $bin"
fi
