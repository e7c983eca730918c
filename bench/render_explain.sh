#!/bin/sh
# Render `cleaner explain --html` of one page in headless Chromium (Debian's
# `chromium` package) and save a screenshot, to look at what a person sees.
#   bench/render_explain.sh PAGE.txt [OUT_DIR]     -> OUT_DIR/explain.html, explain.png, explain.dom.html
set -eu
page=${1:?usage: bench/render_explain.sh PAGE.txt [OUT_DIR]}
out=${2:-out/explain}
mkdir -p "$out"
python -m cleaner explain --no-color --html "$out/explain.html" "$page" > "$out/explain.txt"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "no chromium found (Debian: apt-get install chromium); wrote $out/explain.html only" >&2
    exit 0
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --user-data-dir=$profile"
url="file://$(cd "$out" && pwd)/explain.html"
# shellcheck disable=SC2086
"$browser" $flags --dump-dom "$url" > "$out/explain.dom.html" 2>/dev/null
# shellcheck disable=SC2086
"$browser" $flags --hide-scrollbars --window-size=1100,1400 --screenshot="$out/explain.png" "$url" 2>/dev/null
echo "blocks in the rendered page: $(grep -o 'class="block ' "$out/explain.dom.html" | wc -l)" >&2
echo "wrote $out/explain.html, $out/explain.png, $out/explain.dom.html" >&2
