"""Spreadsheet imports and exports of the organisation's data, one mechanism for every kind (design.md §5).

The file itself (size, real type, zip-bomb guard, cells, legacy encodings, header matching, cell parsing, bulk
model validation, writing .xlsx) is read and written by `core.spreadsheets`. Here, what ties rows to units and
a user's scope:

kinds.py      the ImportKind interface and the registry (apps register their kinds in AppConfig.ready)
pipeline.py   validate (preview) and commit (all or nothing, closed-period guard, history, summaries)
jobs.py       ImportJob services used by the screens, the Celery tasks and `import_data`
forms.py      the upload form
units.py, baseline.py   the chapters app's kinds
"""
