"""uniondash: the statistics dashboard of the Zhuzhou city trade union's five-year report (2019–2023)."""

__version__ = "0.1.0"
