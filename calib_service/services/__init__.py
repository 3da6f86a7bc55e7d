"""Domain services. Each takes ``session`` as a keyword argument and never commits."""
