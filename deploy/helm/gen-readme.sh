#!/usr/bin/env bash
# Writes the chart's README.md from README.md.gotmpl and the comments in values.yaml, with the
# pinned helm-docs (test/deploy/chart-readme.test.ts fails when README.md is stale).
#   --stdout  print the page instead of writing it (what the test compares).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bash "$here/install-helm.sh" >&2
version=$(tr -d '[:space:]' < "$here/HELM_DOCS_VERSION")
helm_docs=${HELM_DOCS_BIN_DIR:-$repo/.hub/bin/helm-docs-$version}/helm-docs
# The dry run prints the page; it is written only when helm-docs succeeded.
page=$("$helm_docs" --chart-search-root "$here/karpor-token-bot" \
  --skip-version-footer --sort-values-order file --log-level warning --dry-run)
if [[ ${1:-} == --stdout ]]; then
  printf '%s\n' "$page"
else
  printf '%s\n' "$page" > "$here/karpor-token-bot/README.md"
  echo "wrote $here/karpor-token-bot/README.md"
fi
