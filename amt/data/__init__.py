"""The pianoroll cache (built by the cache stage) and the training segments read from it."""
