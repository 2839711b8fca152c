# Sourced by up-dev.sh and dev-outputs.sh: the dev stack's local backend and the Pulumi CLI, in one place, so
# `npm run outputs:dev` reads the same state `npm run up:dev` wrote.
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$HOME/.pulumi-local}"
mkdir -p "$HOME/.pulumi-local"
# A local dev stack encrypts its secrets with this passphrase; empty unless you choose one.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"

# The CLI version the `pulumi` npm package pins (package.json), which matches the SDK (@pulumi/pulumi).
PULUMI_CLI_VERSION="$(node -p 'require("./package.json").devDependencies.pulumi')"

# A `pulumi` on PATH at that version, else the npm package, which downloads it from get.pulumi.com on first use.
pulumi_cli() {
    if command -v pulumi >/dev/null && [ "$(pulumi version 2>/dev/null)" = "v$PULUMI_CLI_VERSION" ]; then pulumi "$@"; else npx --no-install pulumi "$@"; fi
}

# Fails with what to do when the CLI can be neither found nor fetched (no network, a proxy).
require_pulumi_cli() {
    if ! pulumi_cli version >/dev/null 2>&1; then
        cat >&2 <<MESSAGE
The Pulumi CLI $PULUMI_CLI_VERSION is not installed and could not be downloaded from get.pulumi.com
(no network, or a proxy in the way). Install it yourself, then rerun:
  - with network:   curl -fsSL https://get.pulumi.com | sh -s -- --version $PULUMI_CLI_VERSION   (puts it on PATH)
  - copied in:      place the binary at \${PULUMI_HOME:-\$HOME/.pulumi}/versions/$PULUMI_CLI_VERSION/bin/pulumi
                    (where the npm package looks; PULUMI_HOME moves that directory)
  - behind a proxy: export HTTPS_PROXY=http://proxy:port and rerun
The version must be $PULUMI_CLI_VERSION, the CLI that matches the SDK in package.json.
MESSAGE
        exit 1
    fi
}
