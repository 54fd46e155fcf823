"""Validation: measured kernels, calibration fits and published-results reproduction."""
