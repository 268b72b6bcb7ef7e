"""MLPerf Training and HPC results: log parsing, per-round scoring rules, import."""
