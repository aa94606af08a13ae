#!/usr/bin/env bash
# Make this checkout runnable: Debian packages, .venv, Python packages.
#
#   scripts/bootstrap.sh runtime    what scripts/run.sh needs (requirements-embedded.txt: the app's
#                                   requirements.txt plus honcho, which the Docker image leaves out)
#   scripts/bootstrap.sh dev        plus the test tools and Debian's Chromium (requirements-dev.txt)
#   . scripts/bootstrap.sh dev      the same, then activates .venv in the calling shell
#
# Idempotent and quick when nothing changed: apt only runs for a package that `dpkg -s` says is
# missing, and pip only runs when the hash of the requirements files differs from the stamp that
# the last successful install left in .venv/.
# Written for Debian 12 (bookworm) with Python 3.11, as root (or with sudo for the apt step).
#
# When sourced, pass the kind explicitly: `source` without arguments would hand this script the
# caller's own "$@" (pytest options, say).

_zoufang_bootstrap() (
    set -euo pipefail

    local kind="$1"
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    local venv="$root/.venv"
    local req

    # WeasyPrint renders through pango/harfbuzz and needs a CJK font for Chinese PDFs.
    local -a debs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)
    case "$kind" in
        runtime) req="$root/requirements-embedded.txt" ;;
        dev)
            req="$root/requirements-dev.txt"
            # Browser tests drive Debian's Chromium through Playwright; never `playwright install`.
            # The PDF tests read fonts and pages back with poppler's pdffonts and pdftoppm.
            debs+=(chromium poppler-utils)
            ;;
        *)
            echo "usage: scripts/bootstrap.sh runtime|dev" >&2
            return 2
            ;;
    esac

    say() { printf '==> bootstrap: %s\n' "$*" >&2; }

    # --- Python interpreter ----------------------------------------------------------------
    local python="${PYTHON:-python3}"
    if ! command -v "$python" >/dev/null 2>&1; then
        say "$python not found: install Python 3.11 (Debian: apt-get install python3 python3-venv)"
        return 1
    fi
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
        say "Django 5.2 needs Python >= 3.10; $python is $("$python" -V 2>&1)"
        return 1
    fi
    # Debian's own python3 ships venv/ensurepip separately.
    if [[ ! -x "$venv/bin/python" ]] && ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
        debs+=(python3-venv)
    fi

    # --- Debian packages -------------------------------------------------------------------
    if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
        local -a missing=()
        local p
        for p in "${debs[@]}"; do
            dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
        done
        if ((${#missing[@]})); then
            local -a sudo=()
            if [[ $EUID -ne 0 ]]; then
                if command -v sudo >/dev/null 2>&1; then
                    sudo=(sudo)
                else
                    say "need root to install: ${missing[*]}"
                    return 1
                fi
            fi
            say "installing Debian packages: ${missing[*]}"
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -q --no-install-recommends "${missing[@]}"
        fi
    else
        say "not a Debian system: make sure these (or equivalents) are installed: ${debs[*]}"
    fi

    # --- virtualenv ------------------------------------------------------------------------
    if [[ -d "$venv" ]] && ! "$venv/bin/python" -c '' 2>/dev/null; then
        # Half made, or the interpreter it was made from is gone (Python upgraded or removed).
        say "removing broken .venv"
        rm -rf "$venv"
    fi
    if [[ ! -x "$venv/bin/python" ]]; then
        say "creating .venv with $("$python" -V 2>&1)"
        "$python" -m venv "$venv"
    fi

    # --- Python packages -------------------------------------------------------------------
    # A stamp covers the interpreter and the requirements file with every file it pulls in
    # through -r/-c, so editing any of them (or a new Python) triggers one pip run.
    req_closure() {
        local f dir inc
        f="$(realpath -m "$1")"
        dir="$(dirname "$f")"
        printf '%s\n' "$f"
        while read -r inc; do
            [[ -n "$inc" ]] && req_closure "$dir/$inc"
        done < <(sed -nE 's/^[[:space:]]*(-r|-c|--requirement|--constraint)[[:space:]=]*([^[:space:]#]+).*/\2/p' "$f")
    }
    fingerprint() {
        local -a files
        mapfile -t files < <(req_closure "$1")
        { "$venv/bin/python" -c 'import sys; print(sys.version)'; cat "${files[@]}"; } |
            sha256sum | cut -d' ' -f1
    }
    local stamp="$venv/.zoufang-$kind.sha256"
    local hash
    hash="$(fingerprint "$req")"
    if [[ -f "$stamp" && "$(<"$stamp")" == "$hash" ]]; then
        return 0
    fi

    say "installing Python packages from ${req#"$root"/} (the first time takes a few minutes)"
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$venv/bin/python" -m pip install -q -r "$req"
    printf '%s\n' "$hash" >"$stamp"
    # requirements-dev.txt includes requirements-embedded.txt: spare scripts/run.sh a pip run after tests.
    local runtime_req="$root/requirements-embedded.txt"
    if [[ "$kind" == dev ]] && req_closure "$req" | grep -Fx "$(realpath -m "$runtime_req")" >/dev/null; then
        fingerprint "$runtime_req" >"$venv/.zoufang-runtime.sha256"
    fi
    say "Python packages are up to date"
)

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    _zoufang_bootstrap "${1:-runtime}"
else
    _zoufang_bootstrap "${1:?usage: . scripts/bootstrap.sh runtime|dev}" || return
    # shellcheck disable=SC1091
    . "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.venv/bin/activate"
fi
