"""Feedback: a run's evidence -> ranked candidates -> a verified, public-safe issue draft.

Nothing here talks to GitHub: drafts, Markdown and a prefilled `issues/new` URL are written or
printed for a person to file. No API call, no token.
"""
