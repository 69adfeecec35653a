"""行政DX 再起動ナビ — the pure-Python core (never imports streamlit)."""

__version__ = "0.1.0"
