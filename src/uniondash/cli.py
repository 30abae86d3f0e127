"""The `uniondash` command: validate the data, serve the dashboard, export what the dashboard shows."""

from __future__ import annotations

import functools
import gc
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from uniondash.config import ENV_DATA_DIR, resolve_data_dir
from uniondash.errors import UniondashError

# Each command imports what it needs (pandas, pandera, openpyxl, plotly, Flask) when it runs: `--help` and
# the export commands start without what they do not use.
if TYPE_CHECKING:
    from uniondash.model import Dataset, Filters, Lang


def data_dir_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--data-dir`, shared by every command; errors become one clean line and exit 1."""

    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        default=None,
        help=f"Folder of the CSV data (default: ${ENV_DATA_DIR}, else the shipped data/).",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UniondashError as error:
            raise click.ClickException(str(error)) from error

    return wrapper


def open_dataset(data_dir: str | None) -> Dataset:
    from uniondash.load import load_dataset

    return load_dataset(resolve_data_dir(data_dir))


def filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--years --programme --section --lang`: the dashboard's URL filters, for export commands."""
    options = [
        click.option(
            "--report",
            default=None,
            help="A report, by the period it covers (see `validate`): 2019-2023. Default: the latest five-year report.",
        ),
        click.option("--years", default=None, help="Years, as in the dashboard URL: 2019-2023 or 2021,2023."),
        click.option("--programme", "programmes", multiple=True, help="Programme id (repeatable); see `validate`."),
        click.option("--section", "sections", multiple=True, help="Section id (repeatable); see `validate`."),
        click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def filters_from_options(
    dataset: Dataset,
    years: str | None,
    programmes: tuple[str, ...],
    sections: tuple[str, ...],
    lang: str,
    report: str | None = None,
) -> Filters:
    """The same parsing as the dashboard's URL, but strict: on the command line a bad value is a usage
    error (exit 2) naming its option, where the dashboard falls back to the default with a notice."""
    if years and report:
        raise click.UsageError("choose --report or --years, not both.")
    if years:
        check_years(dataset, years)
    if report:
        check_report(dataset, report)
    for option, values, table in (("--programme", programmes, "programmes"), ("--section", sections, "sections")):
        known = list(getattr(dataset, table)["id"])
        unknown = [value for value in dict.fromkeys(values) if value not in known]
        if unknown:
            listed = f"ids: {', '.join(known)}" if len(known) <= 10 else "`uniondash validate` lists the ids"
            raise click.BadParameter(
                f"unknown {table[:-1]} {', '.join(map(repr, unknown))} ({listed}).", param_hint=f"'{option}'"
            )
    params: dict[str, list[str]] = {"programme": list(programmes), "section": list(sections), "lang": [lang]}
    if years:
        params["years"] = [years]
    if report:
        params["report"] = [report]
    from uniondash.query import parse_filters

    filters, notices = parse_filters(params, dataset)
    if notices:  # what the checks above cannot see (a value too long)
        raise click.UsageError("; ".join(notice.en for notice in notices))
    return filters


def check_years(dataset: Dataset, years: str) -> None:
    """`--years` must parse and name only years the data has figures for."""
    from uniondash.query import parse_years

    available = dataset.available_years()
    has = f"the data has {available[0]}–{available[-1]}" if available else "the data has no figures"
    try:
        asked = parse_years(years)
    except ValueError:
        raise click.BadParameter(
            f"{years[:40]!r} is not a year range or list: use 2019-2023 or 2021,2023.", param_hint="'--years'"
        ) from None
    missing = sorted(asked - set(available))
    if missing:
        shown = ", ".join(map(str, missing[:5])) + (" …" if len(missing) > 5 else "")
        raise click.BadParameter(f"no figures for {shown} ({has}).", param_hint="'--years'")


def check_report(dataset: Dataset, report: str) -> None:
    """`--report` must name the period of a report the data has."""
    from uniondash.query import parse_years

    periods = ", ".join(f"{e.start}-{e.end}" if e.start != e.end else str(e.start) for e in dataset.editions)
    try:
        years = parse_years(report)
    except ValueError:
        years = frozenset()
    period = (min(years), max(years)) if years else None
    if period is None or len(years) != period[1] - period[0] + 1 or dataset.edition(period) is None:
        raise click.BadParameter(f"no report covers {report[:40]!r} (reports: {periods}).", param_hint="'--report'")


@click.group()
@click.version_option(package_name="uniondash")
def cli() -> None:
    """uniondash: the Zhuzhou city trade union's reports (five-year, annual) as cited data and a dashboard."""


def main() -> None:
    """The `uniondash` console script (and `python -m uniondash`): `cli`, without loading hypothesis.

    pandera imports hypothesis, and with it pytest and trio, whenever it is installed (a development
    install), for generating test data, which no command does: about a third of a command's start-up.
    Tests call `cli` through CliRunner, so hypothesis stays available to them.
    """
    sys.modules.setdefault("hypothesis", None)  # type: ignore[arg-type]  # None: "not installed"
    try:
        cli()
    finally:
        # At exit Python's cycle collector walks every object still alive (pandas, pandera and openpyxl
        # make hundreds of thousands): about 0.2 s of a one-shot command. Frozen, they are not walked;
        # atexit handlers and the closing of files run as ever.
        gc.freeze()


@cli.command()
@click.option(
    "--seal",
    is_flag=True,
    help="If the files are valid, seal them as the data set that servers and commands take (after a hand edit).",
)
@data_dir_option
def validate(seal: bool, data_dir: str | None) -> None:
    """Check every data file and print what it holds, or every problem found.

    The files are checked as they are. Servers and the other commands take only a sealed set (the files
    as data/manifest.json lists them): after editing a CSV by hand, --seal checks and seals them.

    Example:

        uniondash validate --data-dir ~/uniondash-2024/data --seal
    """
    from uniondash.datastore import finish_interrupted_write, read_files
    from uniondash.datastore import seal as seal_files
    from uniondash.load import load_data_set

    folder = resolve_data_dir(data_dir)
    report_removed_leftovers(folder)
    if seal:
        finish_interrupted_write(folder)
    files = read_files(folder)
    dataset = load_data_set(files, folder)
    click.echo(summary(dataset))
    if seal:
        version = seal_files(folder, files)
        click.echo(f"\nSealed: data set {version}. A running server takes it within seconds.")
    elif files.sealed:
        click.echo(f"\nSealed: data set {files.version}.")
    else:
        raise UniondashError(
            f"these files are valid but not sealed ({', '.join(files.unsealed[:3])}"
            + (" …" if len(files.unsealed) > 3 else "")
            + " not as manifest.json lists them): servers keep the sealed set and other commands refuse them. "
            "Seal them with `uniondash validate --seal`."
        )


def report_removed_leftovers(folder: Path) -> None:
    """Remove what writers killed half-way left in the data folder (never a live writer's), and say so."""
    from uniondash.datastore import remove_leftovers

    try:
        removed = remove_leftovers(folder)
    except OSError as error:  # a folder that cannot be opened: the command's own read names it next
        logging.getLogger(__name__).debug("leftovers of %s not looked at: %s", folder, error)
        return
    if removed:
        names = ", ".join(path.name for path in removed)
        click.echo(f"Removed {len(removed)} temporary file(s) left by a write that was killed: {names}", err=True)


def summary(dataset: Dataset) -> str:
    """Counts of facts by section, programme, period and kind, as `validate` prints them."""
    facts = dataset.facts
    lines = [
        f"OK: {len(facts)} figures in {facts['section_id'].nunique()} sections and "
        f"{facts['programme_id'].nunique()} programmes, from {dataset.data_dir}",
        f"Source: {dataset.sources['citation_zh'].iloc[0]}" + (" and others" if len(dataset.sources) > 1 else ""),
        "",
        "By section:",
    ]
    by_programme = facts.groupby("programme_id").size()
    for section in dataset.sections.itertuples():
        in_section = facts[facts["section_id"] == section.id]
        lines.append(f"  {section.label_zh} / {section.label_en}: {len(in_section)}")
        for programme in dataset.programmes[dataset.programmes["section_id"] == section.id].itertuples():
            lines.append(f"      {programme.label_zh} ({programme.id}): {by_programme.get(programme.id, 0)}")
    lines += ["", "By report (sources.csv; the first is the first edition, shown by embeds without a period):"]
    default = dataset.default_edition
    for edition in dataset.editions:
        count = int(((facts["edition_start"] == edition.start) & (facts["edition_end"] == edition.end)).sum())
        period = f"{edition.start}–{edition.end}" if edition.start != edition.end else str(edition.start)
        role = " · default view" if edition == default else ""
        lines.append(
            f"  {period} {edition.kind}, published {edition.published} ({', '.join(edition.source_ids)}): {count}{role}"
        )
    lines += ["", "By period:"]
    periods = facts.groupby(["period_start", "period_end"]).size().reset_index(name="count")
    for start, end, count in periods.itertuples(index=False):
        lines.append(f"  {start}–{end}: {count}" if start != end else f"  {start}: {count}")
    lines += ["", "By kind:"]
    for kind, count in facts.groupby("kind").size().items():
        lines.append(f"  {dataset.label('kinds', str(kind), 'en')} ({kind}): {count}")
    return "\n".join(lines)


@cli.command()
@click.option("--host", default=None, help="Address to listen on [default: $UNIONDASH_HOST or 127.0.0.1].")
@click.option("--port", default=None, type=int, help="Port [default: $UNIONDASH_PORT or 8050].")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="gunicorn worker processes [default: $UNIONDASH_WORKERS or 2].",
)
@click.option(
    "--debug", is_flag=True, help="Dash's development server with debug tools, one process [or $UNIONDASH_DEBUG=1]."
)
@data_dir_option
def serve(host: str | None, port: int | None, workers: int | None, debug: bool, data_dir: str | None) -> None:
    """Run the dashboard: gunicorn with several workers, or Dash's debug server with --debug.

    Example:

        uniondash serve --host 0.0.0.0 --port 8050 --workers 4 --data-dir data
    """
    from uniondash.config import Settings
    from uniondash.web.app import create_app

    settings = Settings.from_env()
    host, port = host or settings.host, port or settings.port
    data_path = resolve_data_dir(data_dir)
    open_dataset(str(data_path))  # fail here, with the data's own message, before any worker starts
    if debug or settings.debug:
        create_app(data_path).run(host=host, port=port, debug=True)
        return
    from uniondash.web.production import run_gunicorn

    click.echo(f"uniondash on http://{host}:{port}/ with {workers or settings.workers} workers (Ctrl+C to stop)")
    run_gunicorn(data_path, host, port, workers or settings.workers)


@cli.command()
@click.option(
    "--url",
    default=None,
    help="A running server to ask as well (http://127.0.0.1:8050), with $UNIONDASH_STATUS_TOKEN.",
)
@data_dir_option
def status(url: str | None, data_dir: str | None) -> None:
    """Say what the data directory holds and, with --url, what a running server serves; exit 1 if wrong.

    The details the public /healthz never shows: the sealed data set and its version, files that do not
    belong to it (edited by hand, a copy under way), every problem by file and line, an interrupted write.

    Example:

        UNIONDASH_STATUS_TOKEN=… uniondash status --url http://127.0.0.1:8050
    """
    from uniondash.config import Settings
    from uniondash.status import data_report, server_report

    report = data_report(resolve_data_dir(data_dir))
    if url:
        report = report + server_report(url, Settings.from_env().status_token, report.version)
    click.echo("\n".join(report.lines))
    if not report.ok:
        raise UniondashError("something needs attention (above)")


# Export commands are added below, one function each (export-xlsx, export-charts, export-pdf).


@cli.command("export-pdf")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@filter_options
@data_dir_option
def export_pdf(
    out: str,
    report: str | None,
    years: str | None,
    programmes: tuple[str, ...],
    sections: tuple[str, ...],
    lang: str,
    data_dir: str | None,
) -> None:
    """Print the briefing (headline figures and key charts) to an A4 PDF.

    At most four pages for the full data; the filters are those of the dashboard URL.
    Needs Chromium (Debian: apt-get install chromium; or set $UNIONDASH_CHROMIUM).

    Example:

        uniondash export-pdf briefing.pdf --years 2019-2023 --section aid
    """
    from uniondash.exports.pdf import write_briefing_pdf

    dataset = open_dataset(data_dir)
    filters = filters_from_options(dataset, years, programmes, sections, lang, report)
    path = write_briefing_pdf(dataset, filters, out)
    click.echo(f"Wrote {path} ({path.stat().st_size // 1024} KB)")


def one_shot(command: Callable[..., Any]) -> Callable[..., Any]:
    """For a command that runs once and exits: no cyclic garbage collection while it runs.

    Reference counting frees what it drops; the cycle collector would only walk, again and again, the
    hundreds of thousands of objects that importing pandas, pandera and openpyxl makes (about 15 % of
    export-xlsx's time). Never for `serve`, which runs on. The collector is as it was afterwards.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return command(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper


@cli.command("export-xlsx")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--template",
    is_flag=True,
    help="An empty workbook for next year's figures: notes, the All figures sheet and the Sources sheet.",
)
@filter_options
@data_dir_option
@one_shot
def export_xlsx(
    out: str,
    template: bool,
    report: str | None,
    years: str | None,
    programmes: tuple[str, ...],
    sections: tuple[str, ...],
    lang: str,
    data_dir: str | None,
) -> None:
    """Write the figures to an Excel workbook for analysts, with native charts.

    Sheets: notes (source, filters, how to read), summary, one sheet per section, honours by level,
    charts and their data. Numbers in base units beside the report's text; filters as in the dashboard URL.

    Example:

        uniondash export-xlsx figures.xlsx --years 2019-2023 --section aid --lang en
        uniondash export-xlsx figures-2024.xlsx --template
    """
    from uniondash.exports.xlsx import chart_count, write_workbook
    from uniondash.model import filter_facts

    dataset = open_dataset(data_dir)
    if template:
        write_template(dataset, out, "en" if lang == "en" else "zh")
        return
    filters = filters_from_options(dataset, years, programmes, sections, lang, report)
    path, workbook = write_workbook(dataset, filters, out)
    figures = len(filter_facts(dataset.facts, filters))
    click.echo(
        f"Wrote {path} ({path.stat().st_size // 1024} KB): {figures} figures, "
        f"{len(workbook.sheetnames)} sheets ({', '.join(workbook.sheetnames)}), {chart_count(workbook)} charts"
    )


def write_template(dataset: Dataset, out: str, lang: Lang) -> None:
    """`export-xlsx --template`: saved beside the target, then renamed (never half a workbook)."""
    import os
    from pathlib import Path

    from uniondash.exports.xlsx import workbook_bytes
    from uniondash.exports.xlsx_data import DATA_SHEET, template_workbook

    target = Path(out).expanduser().resolve()
    if not target.parent.is_dir():
        raise UniondashError(f"cannot write {target}: folder {target.parent} does not exist")
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(workbook_bytes(template_workbook(dataset, lang)))
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise UniondashError(f"cannot write {target}: {error.strerror or error}") from error
    click.echo(f"Wrote {target}: an empty '{DATA_SHEET[lang]}' sheet to fill, then `uniondash import-xlsx {out}`")


@cli.command("import-xlsx")
@click.argument("workbook", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@click.option(
    "--remove-missing",
    is_flag=True,
    help="Remove the figures that are in the data but not in the workbook (listed first).",
)
@click.option(
    "--source-dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Folder of the sources' texts (<source id>.txt) that quotes are checked against "
    "[default: $UNIONDASH_SOURCE_DIR; none: quotes listed as unchecked].",
)
@data_dir_option
def import_xlsx(
    workbook: str, dry_run: bool, remove_missing: bool, source_dir: str | None, data_dir: str | None
) -> None:
    """Merge the figures of a workbook (its All figures and Sources sheets) into the data, validated.

    Lists what is added, changed, unchanged and missing; on any problem names each by sheet, row and
    column and writes nothing. Otherwise replaces the CSV files all at once; a running server shows the
    new figures within seconds. Nothing is removed without --remove-missing. The workbook is untrusted:
    it is read within fixed bounds (10 MB, 20 000 rows) and can never make this command open a file.

    Example:

        uniondash import-xlsx figures-2024.xlsx --dry-run --source-dir ~/sources
    """
    from uniondash.intake.workbook import describe, plan_import, write_plan

    folder = resolve_data_dir(data_dir)
    if not dry_run:
        report_removed_leftovers(folder)
    plan = plan_import(workbook, folder, remove_missing=remove_missing, source_dir=source_dir)
    version = None
    if not dry_run and plan.files:
        version = record_in_desk_history(folder, plan.files, workbook)
        write_plan(plan, folder)
    click.echo(describe(plan, dry_run=dry_run, written=bool(plan.files) and not dry_run))
    if version is not None:
        click.echo(f"Recorded in the desk's history as version {version}.")


def record_in_desk_history(folder: Path, changed: dict[str, bytes], workbook: str) -> int | None:
    """With a desk database in use, the import is published as a version before the files are written."""
    from uniondash.desk.commands import desk_configured, mark_folder, open_store, record_import
    from uniondash.desk.datasets import read_folder

    if not desk_configured(folder):
        return None
    store = open_store(folder)
    try:
        number = record_import(store, folder, {**read_folder(folder), **changed}, Path(workbook).name)
        mark_folder(store, folder, number)  # written before the files: a server's follower then leaves them be
        return number
    finally:
        store.close()


@cli.command("extract")
@click.argument("report", type=click.Path(dir_okay=False))
@click.option(
    "--csv", "csv_out", type=click.Path(dir_okay=False), default=None, help="Write the proposed rows to this CSV file."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the proposal as an import workbook (.xlsx): review it, then `uniondash import-xlsx` it.",
)
@click.option(
    "--report-date",
    default=None,
    help="The report's date, YYYY-MM-DD, for 今年, 去年 and 五年来 [default: the date the text states].",
)
@click.option("--source-id", default=None, help="The source id the rows cite (a row of sources.csv, or a new one).")
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of the workbook."
)
@data_dir_option
@one_shot
def extract(
    report: str,
    csv_out: str | None,
    out: str | None,
    report_date: str | None,
    source_id: str | None,
    lang: str,
    data_dir: str | None,
) -> None:
    """Propose the figures of a report (.txt, .docx, .pdf with a text layer, .html) as rows of facts.csv.

    Each row cites the clause it comes from and sits beside its sentence; programme and metric are
    suggested from the data set's own figures. Nothing is written to the data: review the workbook
    (--out), then `uniondash import-xlsx` it.

    Example:

        uniondash extract report-2024.docx --out proposed.xlsx --source-id zzrb-2024-11-30-p03
    """
    from uniondash.intake.extract import extract_file
    from uniondash.intake.extract.listing import describe_rows, proposal_csv, write_atomically
    from uniondash.intake.extract.reference import read_published

    dataset = read_published(resolve_data_dir(data_dir))
    proposal = extract_file(report, report_date=report_date, source_id=source_id, dataset=dataset)
    for message in proposal.messages:
        click.echo(message)
    if not proposal.rows:
        click.echo("Nothing written.")
        return
    if not (csv_out or out):
        click.echo("\n".join(describe_rows(proposal, limit=20)))
    # Both files are made before either is written: a failure leaves neither half-done.
    files = []
    if csv_out:
        files.append((csv_out, proposal_csv(proposal)))
    if out:
        from uniondash.intake.extract.output import proposal_workbook, workbook_bytes

        files.append((out, workbook_bytes(proposal_workbook(proposal, dataset, "en" if lang == "en" else "zh"))))
    for target, data in files:
        path = write_atomically(target, data)
        click.echo(f"Wrote {path} ({len(proposal.rows)} proposed rows)")
    if out:
        click.echo(f"Review it (yellow rows, each beside its sentence), then: uniondash import-xlsx {out} --dry-run")


@cli.command("export-charts")
@click.argument("outdir", type=click.Path(file_okay=False))
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["png", "svg", "html", "csv"]),
    help="File format (repeatable) [default: png, svg, html and csv].",
)
@click.option("--width", type=int, default=None, help="Image width in px, 300–4000 [default: 1200].")
@click.option("--height", type=int, default=None, help="Image height in px, 200–4000 [default: the chart's own].")
@click.option("--scale", type=float, default=None, help="Pixels per px, 1–4: 2 for screens, 3 for print [default: 2].")
@filter_options
@data_dir_option
def export_charts(
    outdir: str,
    formats: tuple[str, ...],
    width: int | None,
    height: int | None,
    scale: float | None,
    report: str | None,
    years: str | None,
    programmes: tuple[str, ...],
    sections: tuple[str, ...],
    lang: str,
    data_dir: str | None,
) -> None:
    """Write every chart as PNG, SVG, standalone HTML and CSV into OUTDIR, for the press.

    Each image names its title, period, unit and source; the CSV opens in Excel with the Chinese intact.
    PNG and SVG need Chromium (Debian: apt-get install chromium; or set $UNIONDASH_CHROMIUM).

    Example:

        uniondash export-charts press-kit --format png --format csv --scale 3 --years 2019-2023
    """
    from pathlib import Path

    from uniondash.exports.chart_files import CHART_FILE_FORMATS, write_chart_files
    from uniondash.exports.images import ChartImages, ChartRenderer, MemoryCache, image_size

    dataset = open_dataset(data_dir)
    filters = filters_from_options(dataset, years, programmes, sections, lang, report)
    chosen = tuple(dict.fromkeys(formats)) or CHART_FILE_FORMATS
    size = image_size(width, height, scale)
    renderer = ChartRenderer() if {"png", "svg"} & set(chosen) else None
    images = ChartImages(dataset, renderer, MemoryCache()) if renderer else None
    try:
        written, skipped = write_chart_files(dataset, filters, Path(outdir), chosen, images, size)
    finally:
        if renderer:
            renderer.close()
    for path in written:
        click.echo(f"Wrote {path} ({max(1, path.stat().st_size // 1024)} KB)")
    if skipped:
        click.echo(f"Skipped (no figures for these filters): {', '.join(skipped)}")
    click.echo(f"{len(written)} file(s) in {outdir}")


@cli.command("build-static")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--version", "version", default=None, help="Write an immutable version to OUT/v/VERSION/ (e.g. 2024-01).")
@click.option(
    "--base-url",
    default="",
    help="Address OUT is served at (https://static.example.cn/uniondash); links stay relative without it.",
)
@click.option(
    "--dashboard-url",
    default="",
    envvar="UNIONDASH_PUBLIC_URL",
    help="Address of the live dashboard [default: $UNIONDASH_PUBLIC_URL]: 'Open in the dashboard' links go "
    "there; without one they are left out.",
)
@data_dir_option
def build_static(out: str, version: str | None, base_url: str, dashboard_url: str, data_dir: str | None) -> None:
    """Bake embeds, chart files, slides, briefing (and PDF) and the data into a static site in OUT.

    Any web server, object store or CDN can serve OUT; no Python is needed. A version, once written,
    never changes: a rebuild from other data is refused. Needs Chromium for images and the PDF.

    Example:

        uniondash build-static site --version 2024-01 --base-url https://static.example.cn/uniondash
    """
    from pathlib import Path

    from uniondash.publish.site import build_site

    for name, url in (("--base-url", base_url), ("--dashboard-url", dashboard_url)):
        if url and not url.startswith(("https://", "http://")):
            raise click.BadParameter(f"{url[:80]!r}: give a full address starting with https://", param_hint=name)
    report = build_site(
        Path(out), resolve_data_dir(data_dir), version=version, base_url=base_url, dashboard_url=dashboard_url
    )
    if report.unchanged:
        click.echo(f"Version {version} is already published at {report.target}, identical: nothing to do")
        return
    click.echo(f"Wrote {report.files} files ({report.bytes // 1024} KB) to {report.target} in {report.seconds:.0f} s")
    if report.skipped:
        click.echo(f"Left out (no figures in the data): {', '.join(report.skipped)}")


# ---------------------------------------------------------------------------------------------------
# The data desk: accounts and the database (README, "Data desk")


def read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input (scripts), or typed twice at a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.UsageError("--password-stdin: no password on standard input")
        return line.rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@contextmanager
def desk_store(data_dir: str | None) -> Iterator[Any]:
    """The desk's database for one command (opening it migrates), closed when the command is done."""
    from uniondash.desk.commands import open_store

    store = open_store(resolve_data_dir(data_dir))
    try:
        yield store
    finally:
        store.close()


@cli.group()
def user() -> None:
    """Desk accounts: add, list, disable, change a password (stored hashed with argon2).

    Example:

        echo "$PASSWORD" | uniondash user add li --role editor --password-stdin
    """


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["editor", "publisher"]),
    required=True,
    help="editor: uploads and submits; publisher: also approves.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@data_dir_option
def user_add(name: str, role: str, password_stdin: bool, data_dir: str | None) -> None:
    """Add a desk account; the password is asked for twice (or read from standard input).

    Example:

        uniondash user add wang --role publisher
    """
    from uniondash.desk.commands import add_user

    with desk_store(data_dir) as store:
        added = add_user(store, name, role, read_password(password_stdin))
    click.echo(f"Added {role} {added}.")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@data_dir_option
def user_passwd(name: str, password_stdin: bool, data_dir: str | None) -> None:
    """Set a new password for an account; its open sessions end.

    Example:

        uniondash user passwd wang
    """
    from uniondash.desk.commands import change_password

    with desk_store(data_dir) as store:
        changed = change_password(store, name, read_password(password_stdin))
    click.echo(f"Password of {changed} changed; its sessions are ended.")


@user.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the account again instead.")
@data_dir_option
def user_disable(name: str, enable: bool, data_dir: str | None) -> None:
    """Disable an account (it can no longer sign in; its sessions end). History keeps its name.

    Example:

        uniondash user disable wang
    """
    from uniondash.desk.commands import disable_user

    with desk_store(data_dir) as store:
        done = disable_user(store, name, disabled=not enable)
    click.echo(f"{'Enabled' if enable else 'Disabled'} {done}.")


@user.command("list")
@data_dir_option
def user_list(data_dir: str | None) -> None:
    """List the desk's accounts: name, role, whether disabled.

    Example:

        uniondash user list
    """
    from uniondash.desk.commands import list_users

    with desk_store(data_dir) as store:
        rows = list_users(store)
    if not rows:
        click.echo("No accounts yet: uniondash user add NAME --role publisher")
    for row in rows:
        click.echo(f"{row['name']:<32} {row['role']:<10} {'disabled' if row['disabled'] else 'active'}")


@cli.group("desk")
def desk_group() -> None:
    """The data desk's database (SQLite beside the data folder, or $UNIONDASH_DATABASE_URL).

    Example:

        uniondash desk migrate --data-dir data
    """


@desk_group.command("migrate")
@data_dir_option
def desk_migrate(data_dir: str | None) -> None:
    """Create or update the desk's database schema (the server also does this when it starts).

    Example:

        UNIONDASH_DATABASE_URL=postgresql+psycopg://uniondash@db/uniondash uniondash desk migrate
    """
    from uniondash.desk.follower import sync_folder

    folder = resolve_data_dir(data_dir)
    with desk_store(str(folder)) as store:
        number = store.guarded(lambda: sync_folder(store, folder))
    click.echo(f"Desk database ready; published version {number}, held by {folder}.")
