"""Design-space exploration: sweep points (space), running and storing them (runner, store,
evaluate), reading results back (results) and non-dominated sets (pareto)."""
