#!/usr/bin/env bash
# Draws the autograd graph of the seed's attention layer (examples/graph_picture) to
# build/graph_picture/attention_graph.svg. Besides what focus builds with (common.sh), it needs
# Graphviz's `dot`: the Debian package graphviz, installed here when run as root.
# Extra arguments go to graph_picture, e.g. scripts/render_graph.sh --units 16.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FOCUS_DEB_PACKAGES+=(graphviz)
focus_setup
out="${FOCUS_BUILD_DIR}/graph_picture"
mkdir -p "${out}"
"${FOCUS_BUILD_DIR}/examples/graph_picture/graph_picture" --out "${out}/attention_graph.dot" "$@"
[[ -f "${out}/attention_graph.svg" ]] || { echo "render_graph: no SVG was written" >&2; exit 1; }
focus_log "the picture: ${out}/attention_graph.svg"
