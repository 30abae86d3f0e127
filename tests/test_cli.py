"""The `uniondash` command line: exit codes and messages (CliRunner)."""

from __future__ import annotations

from click.testing import CliRunner

from tests.unit.test_load import line_of, set_cell
from uniondash.cli import cli


def test_validate_reports_every_section(dataset):
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: {len(dataset.facts)} figures in 7 sections")
    for section in dataset.sections.itertuples():
        assert f"{section.label_zh} / {section.label_en}:" in result.output
    assert "2019–2023: " in result.output and "株洲日报 2023年11月30日 第3版" in result.output


def test_validate_broken_data_exits_1_with_file_row_column(data_copy):
    set_cell(data_copy / "facts.csv", "aid-winter-funds", "value", "many")
    result = CliRunner().invoke(cli, ["validate", "--data-dir", str(data_copy)])
    assert result.exit_code == 1
    line = line_of(data_copy / "facts.csv", "aid-winter-funds")
    assert f"facts.csv:{line}: column 'value': not a number: 'many'" in result.output
    assert "Traceback" not in result.output


def test_data_dir_from_environment(data_copy):
    (data_copy / "kinds.csv").unlink()
    result = CliRunner().invoke(cli, ["validate"], env={"UNIONDASH_DATA_DIR": str(data_copy)})
    assert result.exit_code == 1 and "kinds.csv: file is missing" in result.output


def test_missing_data_dir(tmp_path):
    result = CliRunner().invoke(cli, ["validate", "--data-dir", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "data directory not found" in result.output and "--data-dir" in result.output


def test_every_command_has_help():
    for name, command in cli.commands.items():
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help and "Example" in command.help, f"{name} needs a docstring with an Example"


def test_serve_debug_from_flag_or_environment(monkeypatch):
    """`--debug` or UNIONDASH_DEBUG=1 runs Dash's debug server; otherwise gunicorn (neither is started here)."""
    import dash

    import uniondash.web.production as production

    ran: list[str] = []
    monkeypatch.setattr(dash.Dash, "run", lambda self, **kwargs: ran.append(f"debug={kwargs['debug']}"))
    monkeypatch.setattr(production, "run_gunicorn", lambda *args, **kwargs: ran.append("gunicorn"))
    for args, env in ((["--debug"], {}), ([], {"UNIONDASH_DEBUG": "1"}), ([], {"UNIONDASH_DEBUG": ""})):
        result = CliRunner().invoke(cli, ["serve", "--port", "8123", *args], env=env)
        assert result.exit_code == 0, result.output
    assert ran == ["debug=True", "debug=True", "gunicorn"]
