"""The organisation's side of spreadsheet imports (design.md §5).

The machinery itself (reading files, the kinds registry, the pipeline, ImportJob and its services) is in
`core.imports` and `core.spreadsheets`. Here:

kinds.py      ImportKind and ImportContext bound to units: codes on a date, scope, closed years, summaries
forms.py      the upload form (the unit field restricted to the user's scope)
units.py, baseline.py   the chapters app's kinds
"""
