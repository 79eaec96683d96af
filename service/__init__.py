"""The application layer: the running community and one function per use case."""
