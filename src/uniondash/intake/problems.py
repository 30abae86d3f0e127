"""What the intake reports: each problem where a person finds it (sheet, row as Excel shows it, column header;
a data file and its line; or the file itself and its part), in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass

from uniondash.errors import UniondashError
from uniondash.intake.archive import printable
from uniondash.model import Lang


def shown(text: str, limit: int = 80) -> str:
    """Text from an input as a message quotes it (see `archive.printable`)."""
    return printable(text, limit)


@dataclass(frozen=True)
class ImportProblem:
    """One problem. `sheet` is a sheet's name, a data file (`facts.csv`) or, with `file=True`, the workbook's
    file name (problems of the file itself: its size, its zip container, one of its parts)."""

    sheet: str
    row: int | None
    column: str | None
    zh: str
    en: str
    file: bool = False

    def text(self, lang: Lang) -> str:
        name = shown(self.sheet)
        if lang == "zh":
            if self.file:
                where = f"文件“{name}”"
            else:
                where = f"工作表“{name}”" if not self.sheet.endswith(".csv") else f"数据文件 {name}"
            where += f" 第 {self.row} 行" if self.row else ""
            where += f"，列 {shown(self.column)}" if self.column else ""
            return f"{where}：{self.zh}"
        if self.file:
            where = f"file '{name}'"
        else:
            where = f"sheet '{name}'" if not self.sheet.endswith(".csv") else f"data file {name}"
        where += f", row {self.row}" if self.row else ""
        where += f", column '{shown(self.column)}'" if self.column else ""
        return f"{where}: {self.en}"


class ImportProblems(UniondashError):
    """The workbook cannot be imported; nothing was written. Holds every problem found."""

    def __init__(self, problems: list[ImportProblem], lang: Lang) -> None:
        self.problems = problems
        self.lang = lang
        super().__init__(self.message())

    def message(self) -> str:
        lines = [f"  {problem.text(self.lang)}" for problem in self.problems]
        if self.lang == "zh":
            head = f"工作簿有 {len(self.problems)} 处问题，未写入任何文件："
            tail = "请在工作簿中改正上述单元格后重新导入（说明见 data/README.md）。"
        else:
            head = f"{len(self.problems)} problem(s) in the workbook; nothing was written:"
            tail = "Correct the cells named above in the workbook and import it again (see data/README.md)."
        return "\n".join([head, *lines, tail])

    def in_language(self, lang: Lang) -> ImportProblems:
        """The same problems, told in `lang` (the workbook's language is known only once its sheets are)."""
        return ImportProblems(self.problems, lang)
