#!/usr/bin/env bash
# scripts/deps.sh: install every Debian 12 package that building and testing
# triode needs.  Idempotent: packages already installed (per dpkg-query) are
# skipped, and `apt-get update` runs only when something is missing.  Runs as
# root, or through sudo when not root and sudo exists.
#
# Usage: scripts/deps.sh            install what is missing
#        scripts/deps.sh --check    only report; exit 1 if something is missing
set -euo pipefail

PACKAGES=(
	# build
	build-essential gcc make cmake pkg-config clang-format
	# libraries
	libdqlite-dev libraft-dev libuv1-dev libsqlite3-dev libssl-dev
	libpg-query-dev libprotobuf-c-dev libcmocka-dev openssl
	# integration tests and bench
	python3 python3-pytest python3-psycopg python3-psycopg2
	postgresql-client postgresql-15 go-dqlite
	# driver tests (integration/test_driver_*.py): asyncpg, pgjdbc + a JDK
	python3-asyncpg libpostgresql-jdbc-java default-jdk-headless
	# ORM reflection tests (integration/test_sqlalchemy.py): SQLAlchemy 1.4
	python3-sqlalchemy
	# ORM tests (integration/test_django.py): Django 3.2
	python3-django
)

# node-postgres: Debian's node-pg (with Debian's nodejs) where it can be
# installed.  An image that ships another nodejs build (NodeSource's, which
# Provides nodejs-legacy and so conflicts with Debian's libnode108 that
# node-pg pulls in) gets the same library from the npm registry instead,
# installed globally; the tests look in `npm root -g` as well as
# /usr/share/nodejs.
# pg-copy-streams (COPY for node-postgres) is not packaged by Debian: it
# comes from the npm registry in both cases, and so do the Node ORMs of
# integration/test_node_orm.py (Sequelize 6, knex 3).
NPM_PACKAGES=(pg-copy-streams@6 sequelize@6 knex@3)
node_version=$(dpkg-query -W -f='${Version}' nodejs 2>/dev/null || true)
if [[ -z $node_version || $node_version == *dfsg* ]]; then
	PACKAGES+=(nodejs node-pg)
else
	NPM_PACKAGES+=(pg@8)
fi

check_only=0
if [[ ${1:-} == --check ]]; then
	check_only=1
fi

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	if [[ $status != "install ok installed" ]]; then
		missing+=("$p")
	fi
done

npm_missing=()
if ((${#NPM_PACKAGES[@]})); then
	npm_root=$(npm root -g 2>/dev/null || true)
	for p in "${NPM_PACKAGES[@]}"; do
		if [[ -z $npm_root || ! -f $npm_root/${p%@*}/package.json ]]; then
			npm_missing+=("$p")
		fi
	done
fi

if ((${#missing[@]} == 0 && ${#npm_missing[@]} == 0)); then
	echo "deps: all ${#PACKAGES[@]} packages already installed"
	exit 0
fi

if ((check_only)); then
	echo "deps: missing ${#missing[@]} of ${#PACKAGES[@]}: ${missing[*]}" \
		"${npm_missing[*]/#/npm:}" >&2
	exit 1
fi

SUDO=()
if ((EUID != 0)); then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo)
	else
		echo "deps: not root and sudo is not available; missing: ${missing[*]}" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
if ((${#missing[@]})); then
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}"
	echo "deps: installed ${#missing[@]} of ${#PACKAGES[@]} packages: ${missing[*]}"
fi
if ((${#npm_missing[@]})); then
	"${SUDO[@]}" npm install -g --no-fund --no-audit "${npm_missing[@]}"
	echo "deps: installed from npm: ${npm_missing[*]}"
fi
