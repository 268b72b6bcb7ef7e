"""The web playground (`mlperf-explorer serve`): see app.py."""
