#!/usr/bin/env bash
# Check the GitHub workflow files: structure against the workflow JSON schema (check-jsonschema)
# and security findings (zizmor, offline: no GitHub API calls). Both install from PyPI:
#   python -m pip install check-jsonschema zizmor
set -euo pipefail
cd "$(dirname "$0")/.."

check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
zizmor --offline --no-progress .github/workflows
