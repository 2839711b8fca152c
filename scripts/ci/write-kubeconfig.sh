#!/usr/bin/env bash
# Writes the kubeconfig held (base64) in the KUBECONFIG_BASE64 secret of the job's GitHub environment.
set -euo pipefail
: "${KUBECONFIG:?KUBECONFIG must name the file to write}"
if [ -z "${KUBECONFIG_BASE64:-}" ]; then
    echo "KUBECONFIG_BASE64 is not set: add it to this stack's GitHub environment (docs/operations.md, Deploying from CI)" >&2
    exit 1
fi
umask 077
printf '%s' "$KUBECONFIG_BASE64" | base64 --decode > "$KUBECONFIG"
