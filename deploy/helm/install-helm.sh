#!/usr/bin/env bash
# Builds the pinned Helm from the Go module proxy into a git-ignored cache, for the chart tests.
# A second run is a no-op when that version's binary is already there.
#   HELM_BIN_DIR  where to put it (default: <repo>/.hub/bin/helm-<version>); the tests read it too.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=$(tr -d '[:space:]' < "$here/HELM_VERSION")
bin=${HELM_BIN_DIR:-$repo/.hub/bin/helm-$version}

if [[ -x $bin/helm ]]; then
  echo "helm $version is ready in $bin"
  exit 0
fi

echo "[helm build] go install helm.sh/helm/v3/cmd/helm@$version into $bin" >&2
mkdir -p "$bin"
GOBIN=$bin go install "helm.sh/helm/v3/cmd/helm@$version"
"$bin/helm" version --short
