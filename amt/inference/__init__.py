"""From model outputs to notes and scores: chunked inference, decoding, velocities, metrics."""
