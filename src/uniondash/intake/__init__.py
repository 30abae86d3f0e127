"""The intake wing: what turns outside files into rows of `data/` (import-xlsx in `workbook`, `uniondash
extract` in `extract/`; the desk next).

Everything here reads untrusted input; nothing above the data core imports it, and it imports no web code.
"""
