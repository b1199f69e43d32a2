"""Spreadsheet import and export, one mechanism for every kind of data (design.md §5).

reading.py    size, real type, zip-bomb guard; cells from .xlsx/.xls/.ods (python-calamine) and .csv
encodings.py  TCVN3 and VNI legacy text, Windows-1258 and UTF-8/16 CSV files
headers.py    the header row and the columns, by name with variants; the user's column mapping
parsing.py    dates, whole numbers and amounts, choices, codes
kinds.py      the ImportKind interface and the registry (apps register their kinds in AppConfig.ready)
validation.py full model validation in bulk
pipeline.py   validate (preview) and commit (all or nothing, closed-period guard, history, summaries)
jobs.py       ImportJob services used by the screens, the Celery tasks and `import_data`
exporting.py  .xlsx exports and templates with formula injection neutralised
units.py, baseline.py   the chapters app's kinds
"""
