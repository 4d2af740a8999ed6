# Sourced by .ci/run: a local PostgreSQL for the store tests (installed if missing, started, with a
# role and a database of its own), named in $SYNCMLD_TEST_POSTGRES. Needs root; safe to run again.

as_postgres() {
    runuser -u postgres -- "$@"
}

start_test_postgres() {
    if ! command -v pg_lsclusters >/dev/null || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q postgresql >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null; }
    fi
    local version name port status rest
    read -r version name port status rest < <(pg_lsclusters -h | head -n 1)
    if [ "$status" != online ]; then
        pg_ctlcluster "$version" "$name" start
    fi
    as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'syncmld') THEN
            CREATE ROLE syncmld LOGIN PASSWORD 'syncmld';
        END IF; END \$\$"
    if [ -z "$(as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = 'syncmld_test'")" ]; then
        as_postgres createdb -p "$port" -O syncmld syncmld_test
    fi
    export SYNCMLD_TEST_POSTGRES="postgresql+psycopg://syncmld:syncmld@127.0.0.1:$port/syncmld_test"
}
