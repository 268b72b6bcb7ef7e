"""MLPerf Tiny: the EEMBC runner's results.txt files, per board and benchmark."""
