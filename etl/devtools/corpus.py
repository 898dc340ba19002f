"""Load a corpus of real exports as a new user would, and tabulate how each went in.

    python -m etl.devtools.corpus DIR [DIR …] [--out table.md]

For every export file under the folders (CSV, TSV, JSON, .xlsx): `load FILE` into a fresh
warehouse; where no profile is detected, `profile suggest FILE` and `load FILE --profile
<the suggestion, unedited>`. One row per file: how it went in, rows read, loaded, rejected,
skipped (with the reasons), or the error; where the file reports its own durations, on how
many of its tickets ours agree (the view reported_agreement). Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl.core.errors import DeskError
from etl.core.settings import load_settings
from etl.ingest import profiles
from etl.ingest.profiles.suggest import suggest
from etl.ingest.read import file_format
from etl.load.run import FileResult, load
from etl.warehouse.versions import resolve_live

AS_OF = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@dataclass
class Outcome:
    path: str
    how: str                      # detected (profile name) | canonical | suggested | failed
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    emptied: dict[str, int] = field(default_factory=dict)   # data_issues by rule
    agreement: dict[str, tuple[int, int]] = field(default_factory=dict)  # figure → (compared, agreeing)
    error: str = ""

    @property
    def share_loaded(self) -> float:
        return self.rows_loaded / self.rows_read if self.rows_read else 0.0


def exports(folders: list[Path]) -> list[Path]:
    out = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.name.startswith(".") or path.name in ("SOURCE.txt", "INDEX.md"):
                continue
            try:
                file_format(path)
            except DeskError:
                continue
            out.append(path)
    return out


def _from(results: list[FileResult], how: str, path: Path) -> Outcome:
    """One row for a file: an event log's tickets and events added up, kinds named."""
    out = Outcome(path=str(path), how=how)
    for r in results:
        out.rows_read += r.rows_read
        out.rows_loaded += r.rows_loaded
        out.rows_rejected += r.rows_rejected
        out.rows_skipped += r.rows_skipped
        for name, target in ((r.rejected_reasons, out.rejected), (r.skipped_reasons, out.skipped),
                             (r.data_issues, out.emptied)):
            for k, v in name.items():
                target[k] = target.get(k, 0) + v
    if len(results) > 1:
        out.how += " (" + " + ".join(r.kind or "?" for r in results) + ")"
    return out


def _agreement(out: Outcome, warehouse: Path) -> Outcome:
    """The file's own figures against ours (the view reported_agreement), where it has any."""
    con = duckdb.connect(str(resolve_live(warehouse)), read_only=True)
    try:
        for figure, compared, agreeing in con.execute(
                "select figure, sum(tickets_compared), sum(tickets_agreeing) from reported_agreement "
                "group by figure order by figure").fetchall():
            out.agreement[figure] = (int(compared), int(agreeing))
    finally:
        con.close()
    return out


def try_file(path: Path, work: Path) -> Outcome:
    """`load`, else `suggest` + `load --profile`, as a new user would."""
    settings = load_settings(db=work / "a" / "warehouse.duckdb")
    try:
        files = load([path], settings, as_of=AS_OF).files
        return _agreement(_from(files, f"detected {files[0].profile}" if files[0].profile else "canonical", path),
                          settings.warehouse_path)
    except DeskError as first:
        if "no mapping profile fits" not in str(first) and "not in the canonical format" not in str(first):
            return Outcome(path=str(path), how="failed", error=str(first).splitlines()[0][:300])
    try:
        text = suggest(path)
        own = work / "suggested.toml"
        own.write_text(text, encoding="utf-8")
        settings = load_settings(db=work / "b" / "warehouse.duckdb")
        files = load([path], settings, as_of=AS_OF, profile=profiles.find(str(own))).files
        return _agreement(_from(files, "suggested", path), settings.warehouse_path)
    except DeskError as exc:
        return Outcome(path=str(path), how="suggested, failed", error=str(exc).splitlines()[0][:300])


def run(folders: list[Path]) -> list[Outcome]:
    outcomes = []
    for path in exports(folders):
        with tempfile.TemporaryDirectory(prefix="desk-corpus-") as tmp:
            outcomes.append(try_file(path, Path(tmp)))
    return outcomes


def table(outcomes: list[Outcome], root: Path | None = None) -> str:
    lines = ["| file | how it went in | read | loaded | rejected | skipped | reasons | its own figures agree |",
             "|---|---|---|---|---|---|---|---|"]
    for o in outcomes:
        name = str(Path(o.path).relative_to(root)) if root and Path(o.path).is_relative_to(root) else o.path
        reasons = "; ".join([*(f"rejected {k} {v}" for k, v in o.rejected.items()),
                             *(f"skipped {k} {v}" for k, v in o.skipped.items()),
                             *(f"emptied {k} {v}" for k, v in o.emptied.items())])
        if o.error:
            reasons = o.error.replace("|", "/")
        agree = "; ".join(f"{figure} {agreeing:,} of {compared:,}" for figure, (compared, agreeing)
                          in o.agreement.items())
        lines.append(f"| {name} | {o.how} | {o.rows_read:,} | {o.rows_loaded:,} ({o.share_loaded:.0%}) | "
                     f"{o.rows_rejected:,} | {o.rows_skipped:,} | {reasons} | {agree} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.devtools.corpus", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, help="write the table (markdown) here too")
    args = parser.parse_args(argv)
    outcomes = run(args.folders)
    text = table(outcomes, Path(args.folders[0]).parent if len(args.folders) == 1 else None)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
