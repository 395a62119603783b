#!/usr/bin/env python3
"""Small CQL client for skred's scripts/cassandra.sh, on the DataStax Python
driver (PyPI cassandra-driver). Runs in the venv that cassandra.sh makes.

  cql.py [conn options] run [--header] [-k KEYSPACE] [CQL ...]
      Run the statements (several per argument allowed, separated by ';';
      no argument or '-' reads them from stdin) one after the other and print
      the rows of each as tab-separated lines. Stops at the first error.

  cql.py [conn options] ensure-role --admin-user U --admin-password P
                                    --role R [--role-password RP]
                                    [--pid PID] [--wait SECONDS]
      Wait until a login as the admin works, create role R (LOGIN, SUPERUSER)
      if it does not exist, set its password to RP if a login with RP fails,
      and log in as R. Retries until SECONDS have passed or process PID
      (the Cassandra JVM) is gone. Prints the server's release_version.
      RP defaults to $CASSANDRA_SKRED_PASSWORD (else skred-test-pw).

  conn options: --host H (127.0.0.1)  --port P (9042)  -u USER  -p PASSWORD
                --timeout SECONDS (per request, 60)  --verbose

Output of run: one line per row, columns separated by a tab; NULL is an
empty field; text has backslash, tab, CR and newline escaped as \\\\ \\t \\r
\\n; blobs are 0x-hex; timestamps are UTC "YYYY-MM-DD HH:MM:SS.mmmZ";
collections look like CQL literals. Statements without rows print nothing.

Exit codes: 0 ok, 1 a statement failed (or ensure-role timed out),
2 usage, 3 could not connect or log in, 4 the watched process exited.
"""

import argparse
import datetime
import logging
import os
import sys
import time
import uuid
from decimal import Decimal

EXIT_STATEMENT, EXIT_USAGE, EXIT_CONNECT, EXIT_GONE = 1, 2, 3, 4


def err(msg):
    print("cqlsh: " + msg, file=sys.stderr)


try:
    from cassandra import AuthenticationFailed
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import (EXEC_PROFILE_DEFAULT, Cluster,
                                   ExecutionProfile, NoHostAvailable)
    from cassandra.policies import WhiteListRoundRobinPolicy
except ImportError as e:  # pragma: no cover - venv problem
    err("the Python cassandra-driver is missing (%s); run scripts/cassandra.sh venv" % e)
    sys.exit(EXIT_USAGE)


# ---- splitting a script into statements -------------------------------------

def split_statements(text):
    """Split CQL text at top-level ';'. Quotes ('..', "..", $$..$$) and
    comments (--, //, /* */) are respected; comments are dropped."""
    out, cur, i, n = [], [], 0, len(text)
    while i < n:
        c = text[i]
        two = text[i:i + 2]
        if c in "'\"":
            j = i + 1
            while j < n:
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:  # doubled quote
                        j += 2
                        continue
                    break
                j += 1
            cur.append(text[i:j + 1])
            i = j + 1
        elif two == "$$":
            j = text.find("$$", i + 2)
            j = n if j < 0 else j + 2
            cur.append(text[i:j])
            i = j
        elif two in ("--", "//"):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif two == "/*":
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            cur.append(" ")
        elif c == ";":
            out.append("".join(cur))
            cur = []
            i += 1
        else:
            cur.append(c)
            i += 1
    out.append("".join(cur))
    return [s.strip() for s in out if s.strip()]


# ---- value formatting ---------------------------------------------------------

def _escape(s):
    return (s.replace("\\", "\\\\").replace("\t", "\\t")
             .replace("\n", "\\n").replace("\r", "\\r"))


def fmt(v, nested=False):
    if v is None:
        return "null" if nested else ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "0x" + bytes(v).hex()
    if isinstance(v, str):
        if nested:
            return "'" + _escape(v).replace("'", "''") + "'"
        return _escape(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        s = v.isoformat(sep=" ", timespec="milliseconds") + "Z"
        return "'" + s + "'" if nested else s
    if isinstance(v, (int, Decimal, uuid.UUID)):
        return str(v)
    if isinstance(v, dict) or (hasattr(v, "items") and hasattr(v, "keys")):
        return "{" + ", ".join(fmt(k, True) + ": " + fmt(x, True) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(fmt(x, True) for x in v) + "]"
    if isinstance(v, tuple) and not hasattr(v, "_fields"):
        return "(" + ", ".join(fmt(x, True) for x in v) + ")"
    if isinstance(v, (set, frozenset)) or type(v).__name__ == "SortedSet":
        return "{" + ", ".join(fmt(x, True) for x in v) + "}"
    if hasattr(v, "_fields"):  # a user-defined type as a namedtuple
        return "{" + ", ".join(f + ": " + fmt(getattr(v, f), True) for f in v._fields) + "}"
    s = str(v)  # date, time, duration, inet, ...
    return ("'" + s + "'") if nested and not isinstance(v, (int, float)) else _escape(s)


# ---- connections ---------------------------------------------------------------

def connect(args, user, password, keyspace=None):
    """Return (cluster, session); raises on failure."""
    profile = ExecutionProfile(
        load_balancing_policy=WhiteListRoundRobinPolicy([args.host]),
        request_timeout=args.timeout)
    cluster = Cluster(
        contact_points=[args.host], port=args.port,
        auth_provider=PlainTextAuthProvider(username=user, password=password),
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        connect_timeout=min(args.timeout, 10),
        control_connection_timeout=min(args.timeout, 10),
        # one node, no need to read the whole schema and token map on connect
        schema_metadata_enabled=False, token_metadata_enabled=False,
        max_schema_agreement_wait=30)
    try:
        session = cluster.connect(keyspace)
    except BaseException:
        cluster.shutdown()
        raise
    return cluster, session


def is_auth_error(e):
    if isinstance(e, AuthenticationFailed):
        return True
    if isinstance(e, NoHostAvailable):
        return any(isinstance(x, AuthenticationFailed) for x in e.errors.values())
    return False


def describe(e):
    if isinstance(e, NoHostAvailable) and e.errors:
        return "; ".join("%s: %s" % (type(x).__name__, x) for x in e.errors.values())
    return "%s: %s" % (type(e).__name__, e)


# ---- commands ------------------------------------------------------------------

def cmd_run(args):
    texts = args.cql or ["-"]
    stmts = []
    for t in texts:
        stmts += split_statements(sys.stdin.read() if t == "-" else t)
    if not stmts:
        err("no CQL statement given")
        return EXIT_USAGE
    try:
        cluster, session = connect(args, args.user, args.password, args.keyspace)
    except Exception as e:  # noqa: BLE001 - report any driver failure
        err("cannot connect to %s:%d as %s: %s" % (args.host, args.port, args.user, describe(e)))
        return EXIT_CONNECT
    try:
        for s in stmts:
            try:
                rs = session.execute(s)
            except Exception as e:  # noqa: BLE001
                err("%s\n  in: %s" % (describe(e), s))
                return EXIT_STATEMENT
            if args.header and rs.column_names:
                print("\t".join(rs.column_names))
            for row in rs:
                print("\t".join(fmt(v) for v in row))
            sys.stdout.flush()
        return 0
    finally:
        cluster.shutdown()


def pid_alive(pid):
    if not pid:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cmd_ensure_role(args):
    deadline = time.monotonic() + args.wait
    last = "no attempt"
    # CREATE/ALTER ROLE take literals here: quote them ourselves.
    pw = "'" + args.role_password.replace("'", "''") + "'"
    role = '"' + args.role.replace('"', '""') + '"'
    opts = "PASSWORD = %s AND LOGIN = true AND SUPERUSER = true" % pw
    while True:
        if not pid_alive(args.pid):
            err("process %d exited" % args.pid)
            return EXIT_GONE
        admin = None
        try:
            # The default superuser appears a moment after the CQL port opens.
            admin = connect(args, args.admin_user, args.admin_password)
            admin[1].execute("CREATE ROLE IF NOT EXISTS %s WITH %s" % (role, opts))
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last = "as %s: %s" % (args.admin_user, describe(e))
        try:
            # Tried even when the admin login failed: its password may have
            # been changed on purpose while the role is fine.
            cluster, session = connect(args, args.role, args.role_password)
            try:
                row = session.execute("SELECT release_version FROM system.local").one()
                print(row.release_version)
                return 0
            finally:
                cluster.shutdown()
        except Exception as e:  # noqa: BLE001
            last = "as %s: %s" % (args.role, describe(e))
            if admin is not None and is_auth_error(e):
                # The role is left from an earlier run with another password.
                try:
                    admin[1].execute("ALTER ROLE %s WITH %s" % (role, opts))
                except Exception as e2:  # noqa: BLE001
                    last = "as %s: %s" % (args.admin_user, describe(e2))
        finally:
            if admin is not None:
                admin[0].shutdown()
        if time.monotonic() >= deadline:
            err("no login after %gs; last error %s" % (args.wait, last))
            return EXIT_STATEMENT
        time.sleep(1)


def main(argv):
    ap = argparse.ArgumentParser(prog="cql.py", add_help=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9042)
    ap.add_argument("-u", "--user", default="skred")
    ap.add_argument("-p", "--password", default=None)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--verbose", action="store_true")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--header", action="store_true")
    r.add_argument("-k", "--keyspace", default=None)
    r.add_argument("cql", nargs="*")
    e = sub.add_parser("ensure-role")
    e.add_argument("--admin-user", default="cassandra")
    e.add_argument("--admin-password", default="cassandra")
    e.add_argument("--role", required=True)
    e.add_argument("--role-password",
                   default=os.environ.get("CASSANDRA_SKRED_PASSWORD", "skred-test-pw"))
    e.add_argument("--pid", type=int, default=0)
    e.add_argument("--wait", type=float, default=60.0)
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code else 0
    logging.basicConfig(format="cqlsh: driver: %(levelname)s %(message)s",
                        level=logging.DEBUG if args.verbose else logging.CRITICAL)
    if args.password is None:
        args.password = os.environ.get("CASSANDRA_SKRED_PASSWORD", "skred-test-pw") \
            if args.user == "skred" else ("cassandra" if args.user == "cassandra" else None)
    if args.cmd == "run" and args.password is None:
        err("-p PASSWORD is needed for user %s" % args.user)
        return EXIT_USAGE
    return cmd_run(args) if args.cmd == "run" else cmd_ensure_role(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
