"""Self-contained HTML reports of an analysis (plotly.js inlined, no network)."""
