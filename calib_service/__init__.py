"""The calibration domain: equipment, standards, traceability, calibrations, records, evidence."""
