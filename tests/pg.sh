#!/bin/sh
# tests/pg.sh CMD... — run CMD with a throwaway PostgreSQL server
# (tests/pgserver.py: initdb in a temp dir, Unix socket only, role and
# database "vrs"); VRS_TEST_PG holds its URL. The server is stopped and its
# directory removed afterwards, also when CMD fails or we are interrupted.
exec /usr/bin/python3 "$(dirname "$0")/pgserver.py" "$@"
