"""`python -m mlperf_explorer.cli`."""

from . import main

main()
