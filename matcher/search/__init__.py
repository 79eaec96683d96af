"""Search: who knows about something (or wants to learn it, or is interested in it), which
groups work on it, and which topics and skills free text means — exact words and meaning
together, with the evidence for each answer."""
