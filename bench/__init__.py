"""The benchmark: the quality targets of DESIGN.md, measured in one run and reported as ratios."""
