"""ChronoView's environments (seeds 000, 001; docs/profiles/chronoview.md): ``-c profile=chronoview``."""
