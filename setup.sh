#!/usr/bin/env bash
# Sets up keras-auto-hwr from a bare machine: a virtual environment in .venv with the
# pinned Python packages and the C++ decoder built in place.
#   bash setup.sh          what recognizing and training need
#   bash setup.sh --test   also what the tests need: Xvfb, xdotool, Chromium, Emscripten
#                          (Debian packages, as root; Emscripten rebuilds the web page's
#                          committed WebAssembly to check it) and TensorFlow.js (npm, in
#                          demo/web)
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "--test" ]; then
    missing=""
    for cmd in Xvfb xdotool chromium chromedriver em++; do
        command -v "$cmd" >/dev/null || missing=1
    done
    if [ -n "$missing" ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "setup.sh: the tests need Xvfb, xdotool, chromium, chromium-driver and emscripten;" \
                 "run as root, or install them: apt-get install xvfb xdotool chromium chromium-driver emscripten" >&2
            exit 1
        fi
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            xvfb xdotool chromium chromium-driver x11-utils emscripten
    fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt

if [ "${1:-}" = "--test" ] && [ -f demo/web/package.json ]; then
    (cd demo/web && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup.sh: ready (.venv)"
