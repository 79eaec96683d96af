"""Embeddings: the encoder, the text each is made from, keeping them current, and search."""
