"""The algorithms, in rooms: pure computation over a community, with no HTTP, no Cypher and no
settings.

- :mod:`matcher.recommend`: the snapshot, graph signals, candidates, features, rankers, rules
  and reasons behind "people like you", "who can help me" and groups to join;
- :mod:`matcher.embeddings`: the encoder, the text each embedding is made from, keeping stored
  embeddings current, and search by meaning;
- :mod:`matcher.groups`: forming interest groups within a coordinator's rules, and what they
  are judged against;
- :mod:`matcher.evaluation.protocol`: qconnect against baselines on held-out ties and memberships;
- :mod:`matcher.analytics.sources`: what analysts may see, as networkx graphs and pandas tables;
- :mod:`matcher.synthetic.generator`: generated Q-like communities for tests, demos and benchmarks.
"""
