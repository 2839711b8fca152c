#!/usr/bin/env bash
# Renders every stack's desired state offline (no cluster, no credentials) for this checkout and for
# the base ref, and writes a Markdown diff of the two to $2 for the PR comment.
set -euo pipefail
base_ref="${1:?usage: render-diff.sh <base-ref> <output.md>}"
output="${2:?usage: render-diff.sh <base-ref> <output.md>}"
cd "$(dirname "$0")/../.."
stacks=(dev staging production)

render_all() { # <repo dir> <out dir>
    for stack in "${stacks[@]}"; do
        # The committed stack files hold no encrypted secrets: placeholders stand in, and the render names them.
        (cd "$1" && npm run --silent render -- --stack "$stack" --out "$2/$stack" --placeholder-secrets)
    done
}

# Only the two folders this script writes; anything else under render/ is not ours to delete.
rm -rf render/head render/base && mkdir -p render
render_all "$PWD" "$PWD/render/head"

base_dir=$(mktemp -d)
trap 'git worktree remove --force "$base_dir" >/dev/null 2>&1 || true' EXIT
git worktree add --detach "$base_dir" "$base_ref" >/dev/null
if (cd "$base_dir" && npm ci --no-audit --no-fund >/dev/null && grep -q '"render"' package.json); then
    render_all "$base_dir" "$PWD/render/base"
else
    mkdir -p render/base
    echo "The base branch has no render script; everything shows as added." > render/base/NOTE
fi

limit=60000
diff_text=$(diff -ru --new-file render/base render/head || true)
{
    echo "### Rendered desired state: this PR vs \`${base_ref#origin/}\`"
    echo
    if [ -z "$diff_text" ]; then
        echo "No change to Helm values, dashboards, alert rules or routing."
    else
        echo "Changed files: $(diff -rq --new-file render/base render/head | wc -l). Full render: the \`rendered-desired-state\` artifact."
        echo
        echo '```diff'
        printf '%s\n' "${diff_text:0:$limit}"
        echo '```'
        [ "${#diff_text}" -le "$limit" ] || echo "_Diff truncated at $limit characters._"
    fi
    echo
    cat render/head/production/SUMMARY.md 2>/dev/null || true
} > "$output"
echo "wrote $output"
