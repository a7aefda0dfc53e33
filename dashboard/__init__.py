"""PriceScope core: data, scoring, runs and queries. Dash-free outside app assembly."""
