"""Serial instruments: link, protocol codecs, drivers and simulators (imports pyserial and pint only)."""
