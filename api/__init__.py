"""How people reach qconnect: the HTTP service (``api.app``) and the command line (``api.cli``)."""
