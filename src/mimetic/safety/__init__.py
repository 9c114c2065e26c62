"""Public-safety rules: one redactor for every sink, and parsers for untrusted input."""
