"""Command line of complaint-desk analytics: python -m etl COMMAND --help."""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from etl.core.errors import DeskError

EPILOG = """\
The warehouse is data/warehouse.duckdb unless --db or the environment variable DESK_DB
names another. Settings come from etl/core/defaults.toml, overridden by --config FILE or
DESK_CONFIG. Exit codes: 0 success, 1 failure (nothing published), 2 usage or
configuration error, 3 another load holds the warehouse (refresh also: 4 partial).
An unexpected error prints one line and exits 1 (DESK_DEBUG=1 prints the traceback too).
Files and folders the ETL creates are private to its user (umask 077).
"""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="FILE", help="warehouse file (default: DESK_DB or data/warehouse.duckdb)")
    p.add_argument("--config", metavar="FILE", help="TOML settings over the defaults (default: DESK_CONFIG)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m etl",
        description="Load helpdesk ticket exports into the complaint-desk DuckDB warehouse "
                    "and compute its metrics.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("load", help="load export files or folders into the warehouse",
                       description="Load export files (CSV, TSV, JSON Lines, JSON array, Parquet, "
                       ".xlsx) in the canonical format (docs/EXPORT_FORMAT.md) and publish the "
                       "new warehouse state atomically. Files whose content was loaded before "
                       "are skipped; bad rows are set aside in the rejects table with a reason.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="export file, or folder of export files")
    p.add_argument("--kind", choices=["tickets", "events", "qa_reviews", "agents"],
                   help="kind of every file (default: recognised from each file's header)")
    p.add_argument("--source", metavar="NAME", help="source name recorded with the rows "
                   "(default: [source] name in the settings, 'desk')")
    p.add_argument("--as-of", metavar="TIMESTAMP", help="the data's as_of, ISO 8601 (default: now); "
                   "ages, pending SLAs and 'future' checks are counted against it")
    p.add_argument("--encoding", metavar="CODEC", help="text encoding of CSV files "
                   "(default: detected; UTF-8, UTF-16 and GBK/GB18030 are recognised)")
    p.add_argument("--profile", metavar="NAME|FILE", help="mapping profile for every file (default: "
                   "the canonical format if the header is one, else the profile whose header "
                   "signature fits; python -m etl profile list)")
    _common(p)

    p = sub.add_parser("profile", help="mapping profiles: list, suggest one for a file, check one",
                       description="Mapping profiles turn other exports (Zendesk, Freshdesk, CFPB, "
                       "custom or Chinese columns) into the canonical format. docs/PROFILES.md.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    psub = p.add_subparsers(dest="profile_command", required=True, metavar="ACTION")
    q = psub.add_parser("list", help="the shipped and user profiles with their signatures")
    q = psub.add_parser("suggest", help="write a starting profile for a file no profile fits",
                        description="Write a starting profile from a file's header and sampled values "
                        "(column names in English or Chinese, durations, time formats, encoding, "
                        "delimiter, unknown enumeration values). Edit it, then check it.")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--out", metavar="TOML", help="write here (default: standard output)")
    q.add_argument("--timezone", default="Asia/Shanghai", help="zone of time stamps without offset")
    q = psub.add_parser("check", help="dry-run a profile on a file: what would load, what would be "
                        "rejected and why; the warehouse is not touched",
                        description="Map and validate FILE exactly as a load would, in a throw-away "
                        "warehouse, and print what would load, be rejected (with reasons and examples) "
                        "or skipped. The warehouse is not touched.")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--profile", metavar="NAME|FILE", help="the profile (default: detected)")
    _common(q)

    p = sub.add_parser("sql", help="run one read-only query over the warehouse",
                       description="Run one query (SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) "
                       "over the published warehouse with the same guard as the dashboard's SQL page: "
                       "read-only, no file access, no settings changes, a time limit. Example: "
                       "python -m etl sql \"select channel, pct_frt_within_sla(frt_sla) from "
                       "ticket_metrics group by 1\"", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("query", metavar="SQL", help="the query ('-' reads it from standard input)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="output format (default table; csv and json print every row)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="time limit in seconds (default: [sql] timeout_seconds of the settings, 30)")
    p.add_argument("--max-rows", type=int, default=200, metavar="N", help="rows shown as a table (default 200)")
    _common(p)

    p = sub.add_parser("user", help="dashboard users: add, remove, list (local users file)",
                       description="Manage the dashboard's local users (roles viewer, analyst, admin) in "
                       "the users file beside the warehouse ([auth] users_file). Passwords are stored "
                       "as Argon2id hashes.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    usub = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    q = usub.add_parser("add", help="add a user or change a user's role and password")
    q.add_argument("name")
    q.add_argument("--role", choices=["viewer", "analyst", "admin"], required=True)
    q.add_argument("--password-stdin", action="store_true", help="read the password from standard input "
                   "(default: ask for it twice)")
    _common(q)
    q = usub.add_parser("remove", help="remove a user")
    q.add_argument("name")
    _common(q)
    q = usub.add_parser("list", help="list the users and their roles")
    _common(q)

    p = sub.add_parser("lake", help="the same metrics beyond one machine: a Parquet lake, Spark",
                       description="Export the warehouse's cleaned tables as a Parquet lake, compute the "
                       "metric tables over it on Spark (local or a cluster) or DuckDB from the same "
                       "metric SQL files, or print that SQL translated for Spark or Trino. docs/LAKE.md.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    lsub = p.add_subparsers(dest="lake_command", required=True, metavar="ACTION")
    q = lsub.add_parser("export", help="write or bring up to date the Parquet lake of the warehouse",
                        description="Write the warehouse's cleaned tables (tickets, events, QA reviews, "
                        "agents, the business calendar and policy tables) as Parquet, partitioned by "
                        "month, with manifest.json. Incremental: only partitions whose content changed "
                        "are rewritten, each atomically.")
    q.add_argument("--out", metavar="DIR", required=True, help="the lake folder")
    _common(q)
    q = lsub.add_parser("metrics", help="compute the metric tables over a lake (Spark or DuckDB)",
                        description="Run the metric SQL (etl/sql, translated by sqlglot) over a lake on "
                        "Spark or DuckDB and publish the metric tables as Parquet: DIR2 becomes a link "
                        "to a complete new version. The dashboard can read DIR2 ([dashboard] source = "
                        "\"lake\").")
    q.add_argument("--engine", choices=["spark", "duckdb"], required=True)
    q.add_argument("--lake", metavar="DIR", required=True, help="a folder written by `lake export`")
    q.add_argument("--out", metavar="DIR2", required=True, help="where the metric tables go")
    q.add_argument("--master", metavar="URL", help="Spark master (default local[*]): spark://host:7077, "
                   "yarn, k8s://…; --lake and --out must then be paths every executor reaches")
    q.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                   help="a Spark setting, as spark-submit's --conf; repeatable (e.g. spark.driver.memory=8g)")
    q.add_argument("--config", metavar="FILE", help="TOML settings over the defaults (default: DESK_CONFIG); "
                   "DuckDB uses [warehouse] memory_limit")
    q = lsub.add_parser("sql", help="print a model's SQL translated for Spark or Trino",
                        description="Print the SQL of the metric models as another engine runs it "
                        "(macros expanded, engine-specific functions rewritten), to run them on a "
                        "cluster of your own. Models: the intermediate steps, then the marts, in order.")
    q.add_argument("--engine", choices=["spark", "trino", "duckdb"], required=True)
    q.add_argument("models", nargs="*", metavar="MODEL", help="e.g. ticket_metrics (default: all, in build order)")

    p = sub.add_parser("bench", help="benchmark the load and the dashboard's queries at several sizes",
                       description="For each size: generate demo data; time our full load against plain "
                       "DuckDB (CREATE TABLE AS read_csv) and against pandas (read_csv with dates + insert); "
                       "time a 1 % incremental load; time every dashboard page's queries (default and "
                       "filtered view); record peak memory; with --browser, what a person waits for in a real "
                       "browser, alone and with several at once. Prints ratios and growth, writes JSON.")
    p.add_argument("--sizes", default="100000,1000000,10000000", help="ticket counts, comma-separated "
                   "(default 100000,1000000,10000000)")
    p.add_argument("--out", metavar="JSON", default="bench-results.json", help="where to write the figures")
    p.add_argument("--workdir", metavar="DIR", help="keep the generated files and warehouses here")
    p.add_argument("--browser", action="store_true",
                   help="also time every page in headless Chromium (warm, cold after a publish, a filter, the "
                   "language) and N people at once (needs Debian's chromium)")
    p.add_argument("--rounds", type=int, default=3, help="browser rounds per page (default 3)")
    p.add_argument("--users", default="1,5,10", help="concurrent browser sessions to run (default 1,5,10)")
    p.add_argument("--seconds", type=float, default=60,
                   help="how long each concurrent run clicks through the pages (default 60)")

    p = sub.add_parser("demo", help="generate a demo data set and load it",
                       description="Generate a realistic demo export (python -m etl generate) "
                       "of the year up to yesterday into data/demo and load it into the warehouse, "
                       "as of the data's end.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tickets", type=int, default=50_000, help="number of tickets (default 50000)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--out", metavar="DIR", default="data/demo", help="where the export files go")
    p.add_argument("--if-missing", action="store_true", help="do nothing if the warehouse exists")
    _common(p)

    p = sub.add_parser("generate", help="write a demo export (all four kinds)",
                       description="Write a deterministic, realistic demo export of a wallet "
                       "complaint desk over about a year: tickets, events, qa_reviews and agents "
                       "as CSV. The planted patterns are documented in docs/DEMO_DATA.md.")
    p.add_argument("--tickets", type=int, default=50_000, help="number of tickets (default 50000)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--out", metavar="DIR", required=True, help="output folder")
    p.add_argument("--end", metavar="DATE", default=None,
                   help="last day of the data, YYYY-MM-DD (default 2026-09-30); the data's "
                   "as_of is the next midnight, Asia/Shanghai")
    p.add_argument("--events-share", type=float, default=None, metavar="F",
                   help="share of tickets that get an event log (default 1.0 up to 200000 "
                   "tickets, then 0.1)")

    p = sub.add_parser("status", help="show last runs, table counts and rejects by reason",
                       description="Show the published warehouse: as_of, version, table counts, "
                       "the last runs, rejected rows by reason, and the last failed run.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5, help="how many recent runs to show (default 5)")
    _common(p)

    p = sub.add_parser("refresh", help="load every new export in the inbox (for cron / systemd)",
                       description="Load every new export file in the inbox in one atomic publish. "
                       "Loaded files move to <inbox>/archive/<date>/, files that cannot be loaded to "
                       "<inbox>/failed/ with a .reason.txt; files still being written stay for the "
                       "next run. One refresh at a time. Logs one JSON object per line on stdout.",
                       epilog="Exit codes: 0 all loaded or nothing to do; 1 failed, nothing published, "
                       "the inbox as it was; 2 usage or configuration error; 3 another load or refresh "
                       "is running (nothing done); 4 partial: the others were loaded, some files are in "
                       "<inbox>/failed/.\n\n" + EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--inbox", metavar="DIR", help="the inbox folder (default: [refresh] inbox, data/inbox)")
    _common(p)

    p = sub.add_parser("rollback", help="make an earlier published version live again",
                       description="Point the live warehouse at an earlier kept version: by default "
                       "the one the live version was built on (the last [refresh] keep_versions publishes "
                       "are kept). The dashboard picks it up on its next interaction.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--to", type=int, metavar="VERSION", help="version to restore (default: the one "
                   "the live version was built on)")
    p.add_argument("--list", action="store_true", help="list the kept versions and exit")
    _common(p)

    p = sub.add_parser("alerts", help="alert rules: list them, check them now, send a test message; the weekly digest",
                       description="Alert rules ([[alerts.rules]] in the settings, or [alerts] rules_file) "
                       "watch a metric over a window and fire when they start to hold and when they clear. "
                       "The refresh evaluates them on every state it publishes; these commands list them, "
                       "evaluate them now, or send a sample message; digest sends the weekly digest. "
                       "docs/ALERTS.md.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    asub = p.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    q = asub.add_parser("list", help="the rules, whether each is enabled and firing, and the destinations",
                        description="List the alert rules as the settings give them (a rule naming an unknown "
                        "metric, field or window is reported as a configuration error, exit 2), whether each "
                        "is enabled and how many of its subjects are firing in the live warehouse, and the "
                        "destinations with the environment variables they need.")
    _common(q)
    q = asub.add_parser("check", help="evaluate the rules on the live warehouse now; deliver what fired",
                        description="Evaluate every enabled rule on the published warehouse. Where a rule "
                        "started to hold or cleared, the firings are stored in a new published version "
                        "(the same atomic publish as a load; nothing is published when nothing changed) and "
                        "then delivered. Logs one JSON object per line on stdout, like the refresh. A "
                        "delivery that fails is logged and recorded, and does not change the exit code: "
                        "0 evaluated, 1 failed (nothing published), 2 configuration error, 3 another load "
                        "holds the warehouse.")
    _common(q)
    q = asub.add_parser("test", help="send one sample message of a rule to its destinations",
                        description="Send one message marked as a test, with the rule's current values on "
                        "the live warehouse (read only; nothing is stored), to each destination of the rule. "
                        "Exit 0 when every destination took it, 1 with the reason in words otherwise "
                        "(mail server unreachable, login refused, webhook answering an error …).")
    q.add_argument("rule", metavar="RULE", help="the rule's name (python -m etl alerts list)")
    _common(q)
    q = asub.add_parser("digest", help="the weekly digest for managers: send it, or write it to a file",
                        description="The last full week (Monday to Sunday in the reporting time zone) against "
                        "the week before: the overview's figures, the largest moves of the first-response "
                        "share by category and team, the breaches and the tickets that reached an external "
                        "body, the alerts that started, and a link to the dashboard's view of the week. Read "
                        "only. Sent as an HTML mail (with a text part) or a webhook to [alerts.digest] notify "
                        "(default every destination), in [alerts] language; deploy/ has a Monday timer and "
                        "cron line. Exit 0 sent (or written), 1 when a destination did not take it.")
    q.add_argument("--week", metavar="DATE", help="any day of the week to report (default: the last full week "
                   "before the data's as_of)")
    q.add_argument("--out", metavar="FILE", help="write the HTML to FILE instead of sending it")
    q.add_argument("--print", action="store_true", help="print the text instead of sending it")
    _common(q)

    p = sub.add_parser("rebuild", help="recompute the metrics with the current settings",
                       description="Recompute every metric model without loading files, e.g. "
                       "after changing an SLA target or a schedule in the settings.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--as-of", metavar="TIMESTAMP", help="new as_of (default: keep the stored one)")
    _common(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    # every file a command creates (warehouse versions, run log, lock, salt, users file,
    # archive and failed folders, reason files) is private: 0600 files, 0700 folders
    os.umask(0o077)
    args = build_parser().parse_args(argv)
    from rich.text import Text

    from etl import cli  # imported late: --help stays fast
    from etl.ingest.read import bounded

    try:
        return cli.dispatch(args)
    except DeskError as exc:
        # the detail quotes data (file names, column names): never read as rich markup
        cli.console().print(Text.assemble((exc.title, "bold red"), ": ", bounded(exc.detail)))
        return exc.exit_code
    except KeyboardInterrupt:
        cli.console().print("[red]Interrupted[/]: nothing was published; the warehouse is as it was.")
        return 130
    except Exception as exc:  # a bug or an unforeseen condition: one line, exit 1, no traceback
        if os.environ.get("DESK_DEBUG", "") not in ("", "0"):
            traceback.print_exc()
        detail = bounded(f"{type(exc).__name__}: {exc}")
        print(f"Unexpected error in `{args.command}`: {detail} (set DESK_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
