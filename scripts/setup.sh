#!/usr/bin/env bash
# Set up from nothing on Debian 12 with Python 3.11; running it again only checks (it is quick and harmless).
#   scripts/setup.sh          Debian packages needed at run time (Pango for PDFs, fonts), .venv, Python packages
#   scripts/setup.sh --test   the same, plus Chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

with_test=0
[[ "${1:-}" == "--test" ]] && with_test=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
    if [[ $EUID -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "Cần quyền root để chạy: $*" >&2
        return 1
    fi
}

apt_updated=0
apt_install() {
    if ! command -v apt-get >/dev/null; then
        echo "Không có apt-get: hãy tự cài các gói $* rồi chạy lại." >&2
        return 1
    fi
    if [[ $apt_updated -eq 0 ]]; then
        as_root apt-get update -qq
        apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

# Debian packages the application needs at run time: Pango for WeasyPrint, fonts for the PDFs (design.md §6).
packages=(libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation2 fonts-dejavu-core)
[[ $with_test -eq 1 ]] && packages+=(chromium poppler-utils)  # poppler-utils: pdftotext reads the PDFs in tests
missing=()
if command -v dpkg-query >/dev/null; then
    for package in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
else
    echo "Không phải Debian: bỏ qua kiểm tra gói hệ thống (${packages[*]})." >&2
fi
if [[ ${#missing[@]} -gt 0 ]]; then
    say "Cài các gói Debian còn thiếu: ${missing[*]}"
    apt_install "${missing[@]}"
fi

# Python 3.11 or newer, in a virtual environment of the project's own.
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null; then python="$candidate"; break; fi
    done
fi
if [[ -z "$python" ]] || ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "Cần Python 3.11 trở lên (trên Debian 12: apt-get install python3 python3-venv)." >&2
    exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
    say "Tạo môi trường ảo .venv"
    if ! "$python" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        apt_install python3-venv
        "$python" -m venv .venv
    fi
fi

# Python packages: installed again only when pyproject.toml changed since the last install.
stamp=.venv/.khuyenhoc-installed
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    say "Cài các gói Python (pip install -e '.[dev]')"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
    echo "$wanted" >"$stamp"
fi
