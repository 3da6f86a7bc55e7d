"""Measurement uncertainty: GUM (JCGM 100 / JJF 1059.1) and Monte Carlo (JCGM 101 / JJF 1059.2)."""
