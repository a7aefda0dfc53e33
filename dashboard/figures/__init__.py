"""Figure builders: plain Plotly figures from query results, all in one theme."""
