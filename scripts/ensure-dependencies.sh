#!/usr/bin/env bash
# Installs the locked npm dependencies when they are missing or older than package-lock.json, so every npm
# script works on a fresh clone (npm runs this before up:dev, build, test, render and charts:pull).
set -euo pipefail
cd "$(dirname "$0")/.."
installed=node_modules/.package-lock.json   # npm writes it on every install
if [ ! -f "$installed" ] || [ package-lock.json -nt "$installed" ]; then
    echo "ensure-dependencies: installing the locked npm dependencies (npm ci)"
    npm ci --no-audit --no-fund
fi
