# Sourced by up-dev.sh and dev-outputs.sh: the dev stack's local backend and the Pulumi CLI, in one place, so
# `npm run outputs:dev` reads the same state `npm run up:dev` wrote.
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$HOME/.pulumi-local}"
mkdir -p "$HOME/.pulumi-local"
# A local dev stack encrypts its secrets with this passphrase; empty unless you choose one.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"

# The CLI version the `pulumi` npm package pins (package.json), which matches the SDK (@pulumi/pulumi).
PULUMI_CLI_VERSION="$(node -p 'require("./package.json").devDependencies.pulumi')"

# npm run and npx put node_modules/.bin first on PATH, where the `pulumi` npm package's launcher is (it runs the
# pinned version, downloading it first): without those, `pulumi` is a CLI installed on this machine.
PATH="$(IFS=:; for dir in $PATH; do [[ $dir == */node_modules/.bin ]] || printf '%s:' "$dir"; done)"
export PATH="${PATH%:}"

# Whether `pulumi` on PATH is that version or a later 3.x: what the Automation API accepts for this SDK
# (scripts/up-dev.ts picks its CLI by the same rule).
pulumi_on_path_fits() {
    command -v pulumi >/dev/null || return 1
    [[ "$(pulumi version 2>/dev/null)" =~ ^v([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || return 1
    local major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]} patch=${BASH_REMATCH[3]} want_major want_minor want_patch
    IFS=. read -r want_major want_minor want_patch <<<"$PULUMI_CLI_VERSION"
    [ "$major" -eq "$want_major" ] && { [ "$minor" -gt "$want_minor" ] || { [ "$minor" -eq "$want_minor" ] && [ "$patch" -ge "$want_patch" ]; }; }
}

# That `pulumi` on PATH, else the npm package, which downloads the pinned version from get.pulumi.com on first use.
pulumi_cli() {
    if pulumi_on_path_fits; then pulumi "$@"; else npx --no-install pulumi "$@"; fi
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
The version must be $PULUMI_CLI_VERSION (or a later 3.x, on PATH), the CLI that matches the SDK in package.json.
MESSAGE
        exit 1
    fi
}
