"""Error analysis of transcriptions against reference notes: the report's error sections
and ``amt evaluate``'s breakdown both read it."""
