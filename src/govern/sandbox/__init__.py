"""The simulated organisation behind ``govern demo``, the connectors' tests and the benchmarks."""
