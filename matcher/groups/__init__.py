"""Forming interest groups within a coordinator's rules, and what they are judged against."""
