"""What each command does and how it reports: progress while it runs, one screen at the end."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from functools import lru_cache
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from etl.core.errors import ConfigError, InputError
from etl.core.settings import load_settings
from etl.ingest.read import bounded, visible
from etl.load import runlog
from etl.load.run import RunResult, load, parse_as_of, rebuild
from etl.warehouse import schema as warehouse


@lru_cache(maxsize=1)
def console() -> Console:
    return Console(stderr=False, highlight=False, soft_wrap=True)


def data(value: object) -> Text:
    """A data value (file name, column, category, reason, warning) as the screen shows it:
    never rich markup, no raw control characters (ESC, CR, bidi overrides: escaped)."""
    return Text(bounded("" if value is None else value))


def line(*parts: object) -> Text:
    """One output line: str parts are data (see `data`), (text, style) tuples our own labels."""
    out = Text()
    for part in parts:
        if isinstance(part, tuple):
            out.append(part[0], style=part[1])
        elif isinstance(part, Text):
            out.append_text(part)
        else:
            out.append_text(data(part))
    return out


def dispatch(args: argparse.Namespace) -> int:
    return {"load": cmd_load, "demo": cmd_demo, "generate": cmd_generate, "status": cmd_status,
            "rebuild": cmd_rebuild, "refresh": cmd_refresh, "rollback": cmd_rollback,
            "profile": cmd_profile, "sql": cmd_sql, "user": cmd_user, "bench": cmd_bench,
            "lake": cmd_lake, "alerts": cmd_alerts}[args.command](args)


def cmd_alerts(args: argparse.Namespace) -> int:
    """alerts list | check | test RULE (etl/alerts/check.py)."""
    import os
    from urllib.parse import urlsplit

    from etl.alerts import check
    from etl.alerts.messages import describe

    settings = load_settings(args.config, args.db)  # a rule that is not valid stops here, in words
    c = console()
    cfg = settings.alerts
    if args.alerts_command == "check":
        from etl.refresh import json_logger

        check.check(settings, log=json_logger())
        return 0
    if args.alerts_command == "digest":
        return _digest(args, settings)
    if args.alerts_command == "test":
        for d in check.send_test(settings, args.rule):
            c.print(line(("sent", "green"), f" to {d.destination} ({d.kind}) in {d.attempts} attempt(s)"))
        return 0
    firing = check.firing_now(settings)
    t = Table(title="Alert rules", title_justify="left")
    for col in ("rule", "enabled", "firing now", "what", "notify"):
        t.add_column(col, no_wrap=col == "rule")
    for rule in cfg.rules:
        t.add_row(data(rule.name), "yes" if rule.enabled else "no", f"{firing.get(rule.name, 0):,}",
                  data(describe(rule)), data(", ".join(rule.notify) if rule.notify is not None else "all"))
    c.print(t if cfg.rules else Text("No alert rules are configured ([[alerts.rules]], docs/ALERTS.md)."))
    for name, dest in cfg.destinations.items():
        needs = ([cfg.smtp.username_env, cfg.smtp.password_env] if dest.kind == "email" else
                 [dest.url_env, dest.secret_env])
        env = ", ".join(f"{n} {'set' if os.environ.get(n) else 'NOT SET'}" for n in needs if n)
        where = (", ".join(dest.to) if dest.kind == "email" else f"${dest.url_env}" if dest.url_env
                 else "{0.scheme}://{0.netloc}/…".format(urlsplit(dest.url)))  # the path may hold a key
        c.print(line(("destination", "b"), f" {name}: {dest.kind} → ", where, f" ({env})" if env else ""))
    if not cfg.destinations:
        c.print("No destination is configured ([alerts.destinations]): firings are stored and shown, "
                "nothing is sent.", markup=False)
    return 0


def _digest(args: argparse.Namespace, settings) -> int:  # type: ignore[no-untyped-def]
    from etl.alerts import digest

    try:
        day = dt.date.fromisoformat(args.week) if args.week else None
    except ValueError:
        raise InputError(f"--week {args.week!r} is not a date such as 2026-03-02") from None
    report = digest.make(settings, day)
    if args.out:
        Path(args.out).write_text(digest.html_page(report), encoding="utf-8")
        console().print(line("wrote the digest of the week of ", report.start.isoformat(), " to ", args.out))
        return 0
    if args.print:
        print(digest.text(report), end="")
        return 0
    from etl.refresh import json_logger

    sent = digest.send_digest(settings, report, log=json_logger())
    return 0 if all(d.ok for d in sent) else 1


def cmd_bench(args: argparse.Namespace) -> int:
    from etl.devtools import bench

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    browser = None
    if args.browser:
        browser = {"rounds": args.rounds, "users": tuple(int(u) for u in args.users.split(",") if u.strip()),
                   "seconds": args.seconds}
    report = bench.run(sizes, Path(args.out) if args.out else None,
                       workdir=Path(args.workdir) if args.workdir else None, keep=bool(args.workdir),
                       say=lambda m: console().print(m, markup=False), browser=browser)
    print(bench.table(report))
    if args.out:
        console().print(f"figures written to {args.out}")
    return 0


def cmd_lake(args: argparse.Namespace) -> int:
    c = console()
    if args.lake_command == "sql":
        from etl.lake.layout import MODELS
        from etl.lake.portable import model_sql

        names = {path.split("/", 1)[1]: path for path, _ in MODELS}
        unknown = [m for m in args.models if m not in names]
        if unknown:
            raise ConfigError(f"unknown model(s) {', '.join(unknown)}; one of {', '.join(names)}")
        for name in args.models or list(names):
            print(f"-- {name} ({args.engine})\n{model_sql(names[name], args.engine)};\n")
        return 0
    if args.lake_command == "export":
        from etl.lake.export import export

        settings = load_settings(args.config, args.db)
        result = export(settings, Path(args.out))
        c.print(f"lake {args.out}: {len(result.written)} partition(s) or table(s) written, "
                f"{result.unchanged} unchanged, {len(result.removed)} removed")
        c.print(", ".join(f"{t} {n:,}" for t, n in result.rows.items()))
        return 0
    from etl.lake.metrics import run

    conf = {}
    for item in args.conf:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--conf {item!r}: give KEY=VALUE, e.g. spark.driver.memory=8g")
        conf[key.strip()] = value.strip()
    settings = load_settings(args.config)
    counts = run(args.engine, Path(args.lake), Path(args.out), master=args.master, conf=conf or None,
                 memory_limit=settings.memory_limit)
    c.print(f"metric tables computed by {args.engine} over {args.lake}, published as {args.out}:")
    c.print(", ".join(f"{t} {n:,}" for t, n in counts.items()))
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    import getpass
    import sys

    from etl.query import auth

    settings = load_settings(args.config, args.db)
    path = auth.users_file(settings)
    if args.user_command == "list":
        users = auth.load_users(path)
        for name, entry in sorted(users.items()):
            console().print(f"{name}: {entry['role']}")
        if not users:
            console().print(f"No users in {path}: the dashboard serves only on this machine (localhost).")
        return 0
    if args.user_command == "remove":
        removed = auth.remove_user(path, args.name)
        console().print(f"removed {args.name}" if removed else f"{args.name} is not a user")
        return 0 if removed else 1
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise InputError("the two passwords differ")
    auth.add_user(path, args.name, args.role, password)
    console().print(f"{args.name}: role {args.role} (users file {path})")
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    import dataclasses
    import sys

    from etl.query import sqlguard
    from etl.warehouse.versions import resolve_live

    settings = load_settings(args.config, args.db)
    if not settings.warehouse_path.exists():
        raise InputError(f"{settings.warehouse_path} does not exist; load data first")
    query = sys.stdin.read() if args.query == "-" else args.query
    # each query in a worker process: the time limit covers parse + plan + run, the memory
    # limit the whole process ([sql] in the settings; etl/query/worker.py)
    limits = sqlguard.Limits.from_settings(settings.raw, timeout=args.timeout)
    live = resolve_live(settings.warehouse_path)
    if args.format == "csv":  # text cells that would start a formula get a leading ' (csvsafe)
        sys.stdout.buffer.write(sqlguard.export_isolated(live, query, fmt="csv", limits=limits))
        sys.stdout.flush()
        return 0
    if args.format == "json":
        result = sqlguard.run_isolated(live, query, limits=dataclasses.replace(limits, max_rows=1 << 62))
        for row in result.table.to_pylist():
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        return 0
    result = sqlguard.run_isolated(live, query, limits=dataclasses.replace(limits, max_rows=args.max_rows))
    t = Table(show_lines=False)
    # Text: values are data, never rich markup; visible: no raw ESC/CR/bidi reaches the terminal
    for col in result.columns:
        t.add_column(Text(visible(col)))
    for row in result.table.to_pylist():
        t.add_row(*[Text("" if v is None else visible(v)) for v in row.values()])
    console().print(t)
    shown = result.table.num_rows
    more = f" (showing {shown:,}; --max-rows or --format csv for all)" if result.truncated else ""
    console().print(f"{result.rows:,} rows{'+' if not result.complete else ''} in {result.seconds:.2f} s{more}")
    for note in result.notes:
        console().print(Text(note, style="yellow"))
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    from etl.ingest import profiles

    c = console()
    if args.profile_command == "list":
        t = Table(title="Mapping profiles", title_justify="left")
        for col in ("name", "kind", "description", "file"):
            t.add_column(col)
        for p in profiles.available():
            t.add_row(p.name, p.kind, p.description, str(p.path.name))
        c.print(t)
        c.print("Your own: a TOML file in ./profiles or a folder named by DESK_PROFILES, or "
                "--profile FILE. docs/PROFILES.md")
        return 0
    if args.profile_command == "suggest":
        from etl.ingest.profiles.suggest import suggest

        text = suggest(Path(args.file), timezone=args.timezone)
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
            c.print(f"wrote {args.out}; check it with: python -m etl profile check {args.file} "
                    f"--profile {args.out}")
        else:
            print(text, end="")
        return 0
    return _profile_check(args)


def _profile_check(args: argparse.Namespace) -> int:
    """A dry run: the same load into a throw-away warehouse, then its report."""
    import tempfile

    import duckdb

    from etl.core.settings import build_settings
    from etl.ingest import profiles
    from etl.warehouse.versions import resolve_live

    settings = load_settings(args.config, args.db)
    profile = profiles.find(args.profile) if args.profile else None
    with tempfile.TemporaryDirectory(prefix="desk-check-") as tmp:
        dry = build_settings(settings.raw, Path(tmp) / "check.duckdb")
        result = load([args.file], dry, profile=profile, command="profile check")
        f = result.files[0]
        c = console()
        c.print(f"[b]{f.file_name}[/]: kind {f.kind}, profile {f.profile or '(canonical format)'}")
        c.print(f"rows read {f.rows_read:,}: would load {f.rows_loaded:,}, reject {f.rows_rejected:,}, "
                f"skip {f.rows_skipped:,}")
        con = duckdb.connect(str(resolve_live(dry.warehouse_path)), read_only=True)
        try:
            for code, n in sorted(f.rejected_reasons.items(), key=lambda kv: -kv[1]):
                examples = con.execute("select coalesce(record_no, line_no), reason from rejects where "
                                       "reason_code = ? order by 1 limit 3", [code]).fetchall()
                c.print(f"  rejected [b]{code}[/] ×{n:,}")
                for where, reason in examples:
                    c.print(f"    record {where}: {reason}")
            for reason, n in f.skipped_reasons.items():
                c.print(f"  skipped ×{n:,}: {reason}")
            for w in f.warnings:
                c.print(f"  [yellow]warning[/]: {w}")
            if f.kind == "tickets":
                sample = con.execute("select ticket_id, created_at, channel, category, status, "
                                     "round(first_response_minutes, 1) as frt_min, "
                                     "round(resolution_minutes, 1) as res_min from ticket_metrics "
                                     "order by created_at limit 5").fetchall()
                t = Table(title="First tickets as they would load", title_justify="left")
                for col in ("ticket", "created (UTC)", "channel", "category", "status", "first response min",
                            "resolution min"):
                    t.add_column(col)
                for row in sample:
                    t.add_row(*["" if v is None else str(v) for v in row])
                c.print(t)
        finally:
            con.close()
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    from etl.refresh import refresh

    settings = load_settings(args.config, args.db)
    inbox = Path(args.inbox).resolve() if args.inbox else None
    return refresh(settings, inbox=inbox).exit_code


def cmd_rollback(args: argparse.Namespace) -> int:
    from etl.refresh import rollback
    from etl.warehouse.versions import published_versions, resolve_live

    settings = load_settings(args.config, args.db)
    if args.list:
        live = resolve_live(settings.warehouse_path) if settings.warehouse_path.exists() else None
        for v in published_versions(settings.warehouse_path):
            console().print(f"{v.stem}{'  (live)' if live == v.resolve() else ''}")
        return 0
    before, after = rollback(settings, to_version=args.to)
    console().print(f"rolled back: {before.stem} → {after.stem} is live")
    return 0



def _run_with_status(fn, *a, **kw) -> RunResult:  # type: ignore[no-untyped-def]
    """Run a load with a progress bar (input bytes, then the final steps) and elapsed time."""
    columns = (TextColumn("{task.description}", markup=False), BarColumn(), TaskProgressColumn(),
               TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
    with Progress(*columns, console=console(), transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def update(message: str, done: float, total: float) -> None:
            bar.update(task, description=visible(message)[:300], completed=done, total=total)

        result = fn(*a, progress=update, **kw)
    return result


def print_summary(result: RunResult) -> None:
    """The end-of-run screen. Every value from the data goes through `data`/`line`: a file
    name or a category like `[/oops]` or `[link=…]` prints as it is, never as markup."""
    c = console()
    if not result.published:
        for w in result.warnings:
            c.print(line(("skipped", "yellow"), ": ", w))
        c.print(f"Nothing new to load: the warehouse stays at version {result.version}, "
                f"as of {result.as_of:%Y-%m-%d %H:%M} UTC.", markup=False)
        return
    t = Table(title=Text(f"Run {result.run_id}: published version {result.version}, "
                         f"as of {result.as_of:%Y-%m-%d %H:%M} UTC"), title_justify="left")
    for col in ("file", "kind", "read", "new", "updated", "rejected", "skipped", "reconciles"):
        t.add_column(col, justify="left" if col in ("file", "kind") else "right")
    for f in result.files:
        if f.status != "loaded":
            t.add_row(data(f.file_name), data(f.kind or ""), "—", "—", "—", "—", "—", "already loaded")
            continue
        t.add_row(data(f.file_name), data(f"{f.kind} ({f.profile})" if f.profile else (f.kind or "")),
                  f"{f.rows_read:,}", f"{f.rows_inserted:,}",
                  f"{f.rows_updated:,}", f"{f.rows_rejected:,}", f"{f.rows_skipped:,}",
                  ("yes" if f.reconciles else Text("NO", style="red")) if f.rows_read else "header only")
    tot = result.totals
    if len(result.files) > 1:
        t.add_row(Text("total", style="b"), "", f"{tot['rows_read']:,}", f"{tot['rows_inserted']:,}",
                  f"{tot['rows_updated']:,}", f"{tot['rows_rejected']:,}", f"{tot['rows_skipped']:,}", "")
    c.print(t)
    c.print(f"rows read {tot['rows_read']:,} = loaded {tot['rows_loaded']:,} + rejected "
            f"{tot['rows_rejected']:,} + skipped {tot['rows_skipped']:,}", markup=False)
    reasons: dict[str, int] = {}
    for f in result.files:
        for k, v in f.rejected_reasons.items():
            reasons[k] = reasons.get(k, 0) + v
    if reasons:
        c.print(line("rejected by reason: " + ", ".join(f"{k} {v:,}" for k, v in
                                                       sorted(reasons.items(), key=lambda kv: -kv[1]))
                     + "  (python -m etl status shows examples)"))
    skipped: dict[str, int] = {}
    for f in result.files:
        for k, v in f.skipped_reasons.items():
            skipped[k] = skipped.get(k, 0) + v
    if skipped:
        c.print(line("skipped: " + ", ".join(f"{k} {v:,}" for k, v in skipped.items())))
    issues: dict[str, int] = {}
    for f in result.files:
        for k, v in f.data_issues.items():
            issues[k] = issues.get(k, 0) + v
    if issues:
        c.print(line("fields emptied (the tickets and QA reviews loaded; data_issues): "
                     + ", ".join(f"{k} {v:,}" for k, v in sorted(issues.items(), key=lambda kv: (-kv[1], kv[0])))))
    for w in result.warnings[:12]:
        c.print(line(("warning", "yellow"), ": ", w))
    if len(result.warnings) > 12:
        c.print(f"… and {len(result.warnings) - 12} more warnings", style="yellow", markup=False)
    c.print(line("warehouse now holds: " + ", ".join(f"{k} {v:,}" for k, v in result.counts.items())))


def cmd_load(args: argparse.Namespace) -> int:
    from etl.ingest import profiles

    settings = load_settings(args.config, args.db)
    as_of = parse_as_of(args.as_of) if args.as_of else None
    profile = profiles.find(args.profile) if args.profile else None
    result = _run_with_status(load, args.paths, settings, kind=args.kind, source=args.source,
                              as_of=as_of, encoding=args.encoding, command="load", profile=profile)
    try:
        print_summary(result)
    except Exception as exc:  # published already: exit 1 would say it was not
        print(f"published version {result.version} (run {result.run_id}); the summary could not be "
              f"shown: {bounded(f'{type(exc).__name__}: {exc}')}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from etl.devtools.generate import generate

    end = dt.date.fromisoformat(args.end) if args.end else None
    with console().status("generating …") as status:
        info = generate(args.tickets, seed=args.seed, out=Path(args.out), end=end,
                        events_share=args.events_share, progress=lambda m: status.update(m))
    console().print(f"wrote {info.tickets:,} tickets, {info.events:,} events, "
                    f"{info.reviews:,} QA reviews, {info.agents:,} agents to {args.out} "
                    f"(as of {info.as_of.isoformat()})")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from etl.devtools.generate import generate

    settings = load_settings(args.config, args.db)
    if args.if_missing and settings.warehouse_path.exists():
        console().print(f"{settings.warehouse_path} exists; demo not rebuilt")
        return 0
    out = Path(args.out)
    # a year up to yesterday (Asia/Shanghai): the demo looks current, as a live desk would
    yesterday = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date() - dt.timedelta(days=1)
    with console().status("generating …") as status:
        info = generate(args.tickets, seed=args.seed, out=out, end=yesterday,
                        progress=lambda m: status.update(m))
    result = _run_with_status(load, [out], settings, as_of=info.as_of.astimezone(dt.UTC),
                              command="demo")
    print_summary(result)
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    settings = load_settings(args.config, args.db)
    as_of = parse_as_of(args.as_of) if args.as_of else None
    result = _run_with_status(rebuild, settings, as_of=as_of)
    console().print(f"rebuilt the metrics: version {result.version}, as of {result.as_of:%Y-%m-%d %H:%M} UTC")
    console().print("warehouse holds: " + ", ".join(f"{k} {v:,}" for k, v in result.counts.items()))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    import duckdb  # (imported late, as in the other commands: --help stays fast)

    settings = load_settings(args.config, args.db)
    c = console()
    path = settings.warehouse_path
    last_failure = runlog.last_failure(settings.warehouse_path)
    if not path.exists():
        c.print(line("No warehouse at ", str(path), " yet. Load data with ", ("python -m etl demo", "b"),
                     " or ", ("python -m etl load FILE", "b"), "."))
        if last_failure:
            c.print(line(("last failed run", "red"), f" {last_failure.get('finished_at')}: ",
                         last_failure.get("error")))
        return 0
    with warehouse.open_readonly(path) as con:
        meta = dict(con.execute("select key, value from warehouse_meta").fetchall())
        c.print(line((visible(path), "b"), f": version {meta.get('version')}, as of {meta.get('as_of')}, "
                     f"published {meta.get('published_at')}"))
        counts = warehouse.table_counts(con)
        c.print(line("tables: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())))
        runs = Table(title="Last runs", title_justify="left")
        for col in ("run", "command", "finished (UTC)", "files", "read", "loaded", "rejected", "skipped"):
            runs.add_column(col, justify="left" if col in ("command", "finished (UTC)") else "right")
        for r in con.execute("select run_id, command, strftime(finished_at, '%Y-%m-%d %H:%M:%S'), files, "
                             "rows_read, rows_loaded, rows_rejected, rows_skipped from load_runs "
                             "order by run_id desc limit ?", [args.runs]).fetchall():
            runs.add_row(*[f"{v:,}" if isinstance(v, int) else data(v) for v in r])
        c.print(runs)
        rej = Table(title="Rejected rows by reason", title_justify="left")
        for col in ("kind", "reason", "rows", "example (file:record)", "example reason"):
            rej.add_column(col)
        rows = con.execute("""
            select kind, reason_code, count(*),
                   arg_min(source_file || ':' || coalesce(record_no, line_no), run_id),
                   arg_min(reason, run_id)
            from rejects group by kind, reason_code order by count(*) desc""").fetchall()
        for kind, code, n, where, reason in rows:
            rej.add_row(data(kind), data(code), f"{n:,}", data(where), data(reason))
        c.print(rej if rows else Text("No rejected rows."))
        try:
            rows = con.execute("""
                select kind, rule, field, count(*), arg_min(source_file || ':' || source_record, run_id),
                       arg_min(reason, run_id)
                from data_issues group by kind, rule, field order by count(*) desc, 1, 2, 3""").fetchall()
        except duckdb.CatalogException:  # a warehouse of an earlier version
            rows = []
        if rows:
            emptied = Table(title="Fields emptied in loaded tickets and QA reviews (data_issues), by rule",
                            title_justify="left")
            for col in ("kind", "rule", "field", "records", "example (file:record)", "example"):
                emptied.add_column(col)
            for kind, rule, fld, n, where, reason in rows:
                emptied.add_row(data(kind), data(rule), data(fld), f"{n:,}", data(where), data(reason))
            c.print(emptied)
    if last_failure:
        c.print(line(("last failed run", "red"), f" {last_failure.get('finished_at')}: ",
                     last_failure.get("error")))
    return 0


__all__ = ["dispatch", "console", "InputError"]
