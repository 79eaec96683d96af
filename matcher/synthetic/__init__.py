"""Generated Q-like communities: for tests of behaviour, demos and benchmarks."""
