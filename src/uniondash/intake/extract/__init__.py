"""`uniondash extract`: from a report (.txt, .docx, .pdf, .html) to proposed rows of facts.csv, each citing
the clause it comes from. `documents` reads, `text` normalises, `rules` finds the figures, `periods` the
years, `suggest` the programme and metric, `proposal` puts a row together, `output` writes CSV and the
import workbook. Nothing here writes to `data/`: rows reach it only through `uniondash import-xlsx`.
"""

from uniondash.intake.extract.documents import ExtractError, read_document
from uniondash.intake.extract.proposal import PROPOSAL_COLUMNS, Proposal, extract_file, extract_text

__all__ = ["PROPOSAL_COLUMNS", "ExtractError", "Proposal", "extract_file", "extract_text", "read_document"]
