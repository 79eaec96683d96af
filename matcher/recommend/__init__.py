"""Suggestions for a member: the snapshot, graph signals, candidates, features, rankers,
rules and reasons."""
