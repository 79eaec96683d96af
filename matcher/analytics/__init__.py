"""Analytics: the community as analysts may see it."""
