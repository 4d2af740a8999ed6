# Sourced by scripts/serve and scripts/test: make sure .venv exists and holds syncmld.
# Usage: ensure_venv EXTRAS   (EXTRAS = "" or "[test]"); run from the repository root.

ensure_venv() {
    local extras="$1" stamp=".venv/.installed$1"
    if [ ! -x .venv/bin/python ]; then
        if ! python3 -c 'import ensurepip' 2>/dev/null; then
            if [ "$(id -u)" != 0 ]; then
                echo "python3-venv is missing: run 'sudo apt-get install python3-venv' first" >&2
                return 1
            fi
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-venv >/dev/null
        fi
        python3 -m venv .venv
    fi
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        .venv/bin/python -m pip install -q -e ".$extras"
        touch "$stamp"
    fi
}
