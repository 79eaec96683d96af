"""Offline evaluation: qconnect against baselines on held-out ties and memberships."""
