# shellcheck shell=bash
#
# scripts/citus.sh
#	  A throwaway Citus cluster for the citus test suite and the scale-out
#	  benchmark: a coordinator and two workers, each its own PostgreSQL 15
#	  cluster on a loopback port (TCP, trust), medrnn created on every node
#	  and preloaded there (for rnn_progress).
#	  Source it after scripts/lib.sh.
#
#	citus_available		is Citus installed, or can it be built?  Prints why
#						not and returns 1 when it cannot
#	citus_build			build and install Citus from the vendored source
#						(root; its log in $CITUS_WORK/citus-build.log)
#	citus_up			start the nodes, join them, CREATE EXTENSION citus and
#						medrnn, and make the registry reference tables
#	citus_down			stop the nodes and remove $CITUS_WORK (safe to call twice)
#	on NODE ARGS		psql on a node (coord, w1, w2): unaligned, tuples only,
#						stop at the first error
#
# Environment: MEDRNN_CITUS_PORT (the coordinator's port, default 56432; the
# workers take the next two), MEDRNN_CITUS_TARBALL (default
# ../shared/vendor/citus-13.0.5.tar.gz beside the repository), and
# MEDRNN_CITUS_SETTINGS (extra postgresql.conf lines for every node).

CITUS_PORT0=${MEDRNN_CITUS_PORT:-56432}
CITUS_TARBALL=${MEDRNN_CITUS_TARBALL:-$MEDRNN_ROOT/../shared/vendor/citus-13.0.5.tar.gz}
CITUS_NODES=(coord w1 w2)
CITUS_WORK=

node_port()
{
	case $1 in
		coord) echo "$CITUS_PORT0" ;;
		w1) echo $((CITUS_PORT0 + 1)) ;;
		w2) echo $((CITUS_PORT0 + 2)) ;;
	esac
}

_citus_as_pg()
{
	if medrnn_is_root; then
		(cd -- "$CITUS_WORK" && "$_MEDRNN_RUNUSER" -u postgres -- "$@") 8>&- 9>&-
	else
		(cd -- "$CITUS_WORK" && "$@") 8>&- 9>&-
	fi
}

on()
{
	local node=$1

	shift
	psql -X -q -At -v ON_ERROR_STOP=1 -h "$CITUS_WORK/$node" -p "$(node_port "$node")" \
		-U postgres -d postgres "$@"
}

citus_available()
{
	[ ! -f "$("$MEDRNN_PG_CONFIG" --pkglibdir)/citus.so" ] || return 0
	if [ ! -f "$CITUS_TARBALL" ]; then
		echo "Citus is not installed and $CITUS_TARBALL is not there (it comes with ../shared)"
		return 1
	fi
	if ! medrnn_is_root; then
		echo "Citus is not installed, and installing it needs root"
		return 1
	fi
}

citus_build()
{
	[ ! -f "$("$MEDRNN_PG_CONFIG" --pkglibdir)/citus.so" ] || return 0
	(cd "$CITUS_WORK" && tar xzf "$CITUS_TARBALL" && cd citus-13.0.5 &&
		./configure --without-libcurl && make -j"$(nproc)" && make install) \
		>"$CITUS_WORK/citus-build.log" 2>&1 || return 1
	rm -rf -- "$CITUS_WORK/citus-13.0.5"
}

_citus_node_start()
{
	local node=$1 dir=$CITUS_WORK/$1

	mkdir -p "$dir"
	if medrnn_is_root; then
		chown postgres: "$dir"
	fi
	_citus_as_pg "$MEDRNN_PG_BINDIR/initdb" -D "$dir/data" -A trust -U postgres --no-sync \
		--encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || return 1
	cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
port = $(node_port "$node")
fsync = off
synchronous_commit = off
full_page_writes = off
shared_preload_libraries = 'citus,${MEDRNN_EXTENSION:-medrnn}'
max_connections = 100
${MEDRNN_CITUS_SETTINGS:-}
CONF
	_citus_as_pg env ${MEDRNN_SERVER_ENV[@]+"${MEDRNN_SERVER_ENV[@]}"} \
		"$MEDRNN_PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
}

# Make $CITUS_WORK (call before citus_build and citus_up)
citus_workdir()
{
	CITUS_WORK=$(mktemp -d "${MEDRNN_PGTMP:-/tmp}/medrnn-citus.XXXXXX")
	if medrnn_is_root; then
		chown postgres: "$CITUS_WORK"
	fi
}

citus_up()
{
	local node ext=${MEDRNN_EXTENSION:-medrnn}

	medrnn_openblas_env
	for node in "${CITUS_NODES[@]}"; do
		if ! _citus_node_start "$node"; then
			cat "$CITUS_WORK/$node/initdb.log" "$CITUS_WORK/$node/server.log" 2>/dev/null | tail -n 20
			echo "node $node did not start"
			return 1
		fi
		on "$node" -c "CREATE EXTENSION citus" >/dev/null || return 1
	done
	on coord >/dev/null <<SQL
SELECT citus_set_coordinator_host('127.0.0.1', $CITUS_PORT0);
SELECT citus_add_node('127.0.0.1', $((CITUS_PORT0 + 1)));
SELECT citus_add_node('127.0.0.1', $((CITUS_PORT0 + 2)));
CREATE EXTENSION "$ext";
SELECT rnn_distribute_registry();
SQL
}

citus_down()
{
	local node

	[ -n "$CITUS_WORK" ] || return 0
	for node in "${CITUS_NODES[@]}"; do
		if [ -f "$CITUS_WORK/$node/data/postmaster.pid" ]; then
			_citus_as_pg "$MEDRNN_PG_BINDIR/pg_ctl" -D "$CITUS_WORK/$node/data" -m immediate \
				-w -t 30 stop >/dev/null 2>&1 || true
		fi
	done
	rm -rf -- "$CITUS_WORK"
	CITUS_WORK=
}
