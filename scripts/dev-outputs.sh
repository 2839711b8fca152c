#!/usr/bin/env bash
# Shows the dev stack's outputs from the same local backend `npm run up:dev` uses.
#   npm run outputs:dev                      # every output, secrets masked
#   npm run outputs:dev -- --show-secrets    # with the Grafana admin password
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/dev-backend.sh
source scripts/dev-backend.sh
require_pulumi_cli
pulumi_cli stack output --stack dev "$@"
